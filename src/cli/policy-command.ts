/** `keywarden policy check | decide | render`: the policy file on its own, no database needed. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DecisionInputError, decide } from '../domain/policy/decide.js';
import { formatProblem } from '../domain/policy/problems.js';
import { readDecisionRequest } from '../policy/decision-request.js';
import { loadCompiledPolicy, loadPolicyFile, PolicyFileError } from '../policy/load-policy-file.js';
import { decideBatch } from './decide-batch.js';
import { UsageError } from './usage-error.js';

export function registerPolicyCommands(program: Command): Command {
  const policy = program
    .command('policy')
    .description('check, decide with and render a policy file (no database needed)');

  policy
    .command('check')
    .description('validate a policy file and list every problem with its place in the file')
    .argument('<file>', 'policy file (YAML)')
    .option('--strict', 'treat warnings as errors')
    .option('--json', 'print the problems as JSON')
    .addHelpText(
      'after',
      `
Exits 0 when the file is usable, 1 when it has errors (or warnings, with --strict).

Example:
  $ keywarden policy check examples/riverside-pd.yaml
  examples/riverside-pd.yaml: OK (2 sites, 3 cabinets, 8 keys, 7 people, 5 rules)`,
    )
    .action((file: string, options: { strict?: boolean; json?: boolean }) => {
      let problems: ReturnType<typeof loadPolicyFile>['problems'];
      let summary = '';
      try {
        const loaded = loadPolicyFile(file);
        problems = loaded.problems;
        const p = loaded.policy;
        summary = `${p.sites.length} sites, ${p.cabinets.length} cabinets, ${p.keys.length} keys, ${p.people.length} people, ${p.rules.length} rules`;
      } catch (error) {
        if (!(error instanceof PolicyFileError)) throw error;
        problems = error.problems;
      }
      const errors = problems.filter((problem) => problem.severity === 'error').length;
      const failed = errors > 0 || (options.strict === true && problems.length > 0);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ok: !failed, problems }, null, 2)}\n`);
      } else {
        for (const problem of problems) process.stdout.write(`${formatProblem(problem, file)}\n`);
        const warnings = problems.length - errors;
        if (failed) {
          process.stdout.write(
            `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
          );
        } else {
          process.stdout.write(
            `${file}: OK (${summary})${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}\n`,
          );
        }
      }
      process.exitCode = failed ? 1 : 0;
    });

  policy
    .command('decide')
    .description('say what the policy decides for a person, a key and an instant (or a batch of requests)')
    .argument('<file>', 'policy file (YAML)')
    .option('--person <id>', 'person id')
    .option('--key <id>', 'key id')
    .option(
      '--at <time>',
      "ISO 8601 time; without an offset it is local time at the key's site (default: now)",
    )
    .option('--factors <kinds>', 'factor kinds presented, comma-separated: pin, badge, fingerprint, totp')
    .option('--reason <id>', 'reason code')
    .option('--approver <id>', 'person id of the approver')
    .option('--witness <id>', 'person id of the witness')
    .option('--keys-out <n>', 'keys the person holds now', '0')
    .option(
      '--batch <file>',
      'JSON Lines of requests ("-" for standard input): one decision line out per line in',
    )
    .addHelpText(
      'after',
      `
Prints the decision as JSON: { outcome: allow | needs | deny, code, missing, rule, afterHours, dueAt, explanation }.

Examples:
  $ keywarden policy decide examples/riverside-pd.yaml --person p-ruiz --key car-101 \\
      --at 2026-11-27T08:30:00Z --factors pin,badge --reason vehicle-swap
  $ keywarden policy decide examples/riverside-pd.yaml --batch last-month.jsonl > decisions.jsonl
    where each line is {"person":"p-ruiz","key":"car-101","at":"2026-11-27T08:30:00Z","factors":["pin"],"reason":null,"keysOut":0}
    and an unknown person or key, or a line that is not JSON, gives {"error":{"code","message"}} on its line.`,
    )
    .action(async (file: string, options: Record<string, string | undefined>) => {
      const compiled = loadCompiledPolicy(file);
      if (options.batch !== undefined) {
        if (options.person || options.key)
          throw new UsageError('give either --batch or --person/--key, not both');
        const summary = await decideBatch(compiled, options.batch);
        if (summary.errors > 0)
          process.stderr.write(`${summary.lines} lines, ${summary.errors} with errors\n`);
        return;
      }
      if (!options.person || !options.key)
        throw new UsageError('--person and --key are required (or --batch FILE)');
      const keysOut = Number(options.keysOut);
      const request = readDecisionRequest(compiled, {
        person: options.person,
        key: options.key,
        at: options.at ?? new Date().toISOString(),
        factors: options.factors
          ? options.factors
              .split(',')
              .map((kind) => kind.trim())
              .filter(Boolean)
          : [],
        reason: options.reason,
        approver: options.approver,
        witness: options.witness,
        keysOut: Number.isNaN(keysOut) ? options.keysOut : keysOut,
      });
      if ('code' in request) throw new UsageError(request.message);
      try {
        const decision = decide(compiled, request.person, request.key, request.instantMs, request.context);
        process.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
      } catch (error) {
        if (error instanceof DecisionInputError) throw new UsageError(error.message);
        throw error;
      }
    });

  policy
    .command('render')
    .description('write the after-hours procedure, in words, from the policy file')
    .argument('<file>', 'policy file (YAML)')
    .option('--format <format>', 'md or html', 'md')
    .option('--year <year>', 'year whose holidays are listed (default: this year)')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .addHelpText(
      'after',
      `
Example:
  $ keywarden policy render examples/riverside-pd.yaml --format html -o procedure.html
  (open procedure.html in a browser and print it)`,
    )
    .action(async (file: string, options: { format: string; year?: string; output?: string }) => {
      if (options.format !== 'md' && options.format !== 'html')
        throw new UsageError('--format must be md or html');
      const year = options.year === undefined ? new Date().getUTCFullYear() : Number(options.year);
      if (!Number.isInteger(year) || year < 1970 || year > 2200)
        throw new UsageError('--year must be a year such as 2026');
      const { policy } = loadPolicyFile(file);
      // Loaded on demand: decide and check should not pay for the renderer's start-up.
      const { renderProcedure } = await import('../domain/procedure/render-procedure.js');
      const text = renderProcedure(policy, { format: options.format, year });
      if (options.output) writeFileSync(options.output, text);
      else process.stdout.write(text);
    });
  return policy;
}
