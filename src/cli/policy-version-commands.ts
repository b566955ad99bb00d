/** `keywarden policy import | approve | versions | diff`: policy versions in the database. */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openAppContext } from '../app/app-context.js';
import { KeywardenError } from '../domain/errors.js';
import { diffPolicies, formatPolicyDiff } from '../domain/policy/diff-policy.js';
import type { PolicyFile } from '../domain/policy/policy-file.js';
import { formatProblem } from '../domain/policy/problems.js';
import { loadPolicyFile } from '../policy/load-policy-file.js';
import {
  approvePolicyVersion,
  getPolicyVersion,
  importPolicyVersion,
  listPolicyVersions,
} from '../policy/policy-versions.service.js';
import { DB_OPTION_HELP } from './database-commands.js';
import { UsageError } from './usage-error.js';

function parseVersion(text: string): number {
  const version = Number(text);
  if (!Number.isInteger(version) || version < 1) throw new UsageError(`"${text}" is not a version number`);
  return version;
}

export function registerPolicyVersionCommands(policy: Command): void {
  policy
    .command('import')
    .description('store a policy file as a new draft version and fill the directory and inventory from it')
    .argument('<file>', 'policy file (YAML)')
    .requiredOption('--by <person>', 'person id of the author')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      `
The draft becomes active only when a second person approves it (keywarden policy approve).

Example:
  $ keywarden policy import examples/riverside-pd.yaml --by p-okafor
  imported version 1 (draft) ...; a second person approves it with: keywarden policy approve 1 --by PERSON`,
    )
    .action(async (file: string, options: { by: string; db?: string }) => {
      let source: string;
      try {
        source = readFileSync(file, 'utf8');
      } catch {
        throw new UsageError(`cannot read ${file}`);
      }
      const context = await openAppContext({ db: options.db });
      try {
        const result = await context.store.db
          .transaction()
          .execute((trx) => importPolicyVersion(trx, context, { source, by: options.by }));
        for (const warning of result.warnings) process.stdout.write(`${formatProblem(warning, file)}\n`);
        process.stdout.write(
          `imported version ${result.version.version} (draft) of "${result.version.name}": ${result.directory.created} directory items created, ${result.directory.updated} updated\n` +
            `a second person approves it with: keywarden policy approve ${result.version.version} --by PERSON\n`,
        );
      } catch (error) {
        if (error instanceof KeywardenError && error.code === 'policy_invalid') {
          const problems = (error.details?.problems ?? []) as Parameters<typeof formatProblem>[0][];
          throw new UsageError(
            `${file} is not a usable policy:\n${problems.map((p) => formatProblem(p, file)).join('\n')}`,
          );
        }
        throw error;
      } finally {
        await context.close();
      }
    });

  policy
    .command('approve')
    .description('make a draft version the active policy (the approver must not be its author)')
    .argument('<version>', 'version number')
    .requiredOption('--by <person>', 'person id of the approver')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText('after', '\nExample:\n  $ keywarden policy approve 2 --by p-chen')
    .action(async (versionText: string, options: { by: string; db?: string }) => {
      const version = parseVersion(versionText);
      const context = await openAppContext({ db: options.db });
      try {
        const approved = await context.store.db
          .transaction()
          .execute((trx) => approvePolicyVersion(trx, context, { version, by: options.by }));
        process.stdout.write(
          `version ${approved.version} is now the active policy (approved by ${approved.approvedBy})\n`,
        );
      } finally {
        await context.close();
      }
    });

  policy
    .command('versions')
    .description('list every policy version')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--json', 'print JSON')
    .action(async (options: { db?: string; json?: boolean }) => {
      const context = await openAppContext({ db: options.db });
      try {
        const versions = await listPolicyVersions(context.store.db);
        if (options.json) process.stdout.write(`${JSON.stringify({ versions }, null, 2)}\n`);
        else if (versions.length === 0)
          process.stdout.write('no policy versions yet: keywarden policy import FILE --by PERSON\n');
        else {
          for (const v of versions) {
            const approval = v.approvedBy ? `, approved by ${v.approvedBy} ${v.approvedAt}` : '';
            process.stdout.write(
              `${String(v.version).padStart(4)}  ${v.status.padEnd(10)} ${v.name} — by ${v.createdBy} ${v.createdAt}${approval}\n`,
            );
          }
        }
      } finally {
        await context.close();
      }
    });

  policy
    .command('diff')
    .description('say in words what changed between two policies (version numbers or files)')
    .argument('<a>', 'the older version number, or a policy file')
    .argument('<b>', 'the newer version number, or a policy file')
    .option('--db <url>', DB_OPTION_HELP)
    .option('--format <format>', 'text, md or json', 'text')
    .addHelpText(
      'after',
      `
Changes that loosen security (fewer factors, approval or witness removed, longer durations, ...) are marked.

Examples:
  $ keywarden policy diff 1 2
  $ keywarden policy diff examples/riverside-pd.yaml draft.yaml`,
    )
    .action(async (a: string, b: string, options: { db?: string; format: string }) => {
      if (!['text', 'md', 'json'].includes(options.format))
        throw new UsageError('--format must be text, md or json');
      const isFile = (ref: string) => !/^\d+$/.test(ref) || existsSync(ref);
      let context: Awaited<ReturnType<typeof openAppContext>> | null = null;
      const load = async (ref: string): Promise<PolicyFile> => {
        if (isFile(ref)) return loadPolicyFile(ref).policy;
        context ??= await openAppContext({ db: options.db });
        return (await getPolicyVersion(context.store.db, parseVersion(ref))).policy;
      };
      try {
        const changes = diffPolicies(await load(a), await load(b));
        process.stdout.write(
          `${formatPolicyDiff(changes, { format: options.format as 'text' | 'md' | 'json' })}\n`,
        );
      } finally {
        await (context as Awaited<ReturnType<typeof openAppContext>> | null)?.close();
      }
    });
}
