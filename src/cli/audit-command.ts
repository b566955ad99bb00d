/** `keywarden audit verify | export`: prove the audit log intact, and hand it to an auditor. */
import type { Command } from 'commander';
import { exportAuditLog } from '../audit/audit-export.js';
import { countCheckpoints } from '../audit/audit-queries.js';
import {
  AuditKeyError,
  type AuditPublicKey,
  findAuditPublicKey,
  readAuditPublicKey,
  resolveAuditKeyPath,
} from '../audit/audit-signing-key.js';
import {
  AuditExportFormatError,
  type AuditVerifyReport,
  verifyAuditDatabase,
  verifyAuditExport,
} from '../audit/audit-verify.js';
import { openStore, resolveDatabaseUrl, type Store } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { UsageError } from './usage-error.js';

const DB_HELP =
  'database URL: sqlite:PATH or postgres://USER@HOST:PORT/DB (default: $KEYWARDEN_DB, else sqlite:./data/keywarden.db)';
const KEY_DEFAULT = '(default: $KEYWARDEN_AUDIT_KEY, else ./data/audit-signing-key.pem)';
const KEY_HELP = `the audit signing key file, whose public key (KEY.pub.pem beside it) checks the checkpoints ${KEY_DEFAULT}`;
const EXPORT_KEY_HELP = `the audit signing key file, whose public key (KEY.pub.pem beside it) goes into the export ${KEY_DEFAULT}`;

/** Where the commands write; tests capture it instead of the process streams. */
export interface AuditCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  setExitCode(code: number): void;
}

const processIo: AuditCommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

interface VerifyOptions {
  db?: string;
  file?: string;
  publicKey?: string;
  key?: string;
  json?: boolean;
}

interface ExportOptions {
  db?: string;
  output: string;
  publicKey?: string;
  key?: string;
}

export function registerAuditCommands(program: Command, io: AuditCommandIo = processIo): Command {
  const audit = program
    .command('audit')
    .description('verify the hash-chained audit log, and export it for an auditor');

  audit
    .command('verify')
    .description('recompute the audit chain and its signed checkpoints; name the first entry that fails')
    .option('--db <url>', DB_HELP)
    .option('--file <file>', 'verify an export file instead of the database (needs only the public key)')
    .option(
      '--public-key <file>',
      'the public key you trust (PEM); with --file, pins it instead of the key in the file',
    )
    .option('--key <file>', KEY_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Exits 0 when the log is intact, 1 when an entry fails (changed, missing, inserted, reordered, checkpoint
mismatch or head mismatch: the first one is named) or an export file is damaged, 2 when used wrongly.

Examples:
  $ keywarden audit verify
  audit log intact: 250 entries, 2 signed checkpoints (the last at entry 200), head at entry 250 (1f3a9c0e7b21…)
  entries 201 to 250 come after the last checkpoint: the chain covers them, no signature does yet
  $ keywarden audit verify --db postgres://keywarden@db.internal/keywarden --json
  $ keywarden audit verify --file audit-2026-11.jsonl --public-key audit-signing-key.pub.pem
  entry 42 was changed: its content no longer matches its hash`,
    )
    .action(async (options: VerifyOptions) => {
      if (options.db !== undefined && options.file !== undefined) {
        throw new UsageError('give --db or --file, not both');
      }
      let report: AuditVerifyReport;
      try {
        report = options.file !== undefined ? await verifyExportFile(options) : await verifyDatabase(options);
      } catch (error) {
        if (!(error instanceof AuditExportFormatError)) throw error;
        const message = `the export is damaged: ${error.message}`;
        if (options.json) io.stdout(`${JSON.stringify({ ok: false, error: message }, null, 2)}\n`);
        else io.stdout(`${message}\n`);
        io.setExitCode(1);
        return;
      }
      if (options.json) io.stdout(`${JSON.stringify(jsonReport(report), null, 2)}\n`);
      else {
        for (const warning of report.warnings) io.stderr(`warning: ${warning}\n`);
        io.stdout(describeReport(report));
      }
      io.setExitCode(report.ok ? 0 : 1);
    });

  audit
    .command('export')
    .description('write the audit entries, signed checkpoints and head to a JSON Lines file for an auditor')
    .requiredOption('-o, --output <file>', 'the file to write')
    .option('--db <url>', DB_HELP)
    .option('--public-key <file>', "the public key to name in the export (default: the signing key's)")
    .option('--key <file>', EXPORT_KEY_HELP)
    .addHelpText(
      'after',
      `
The auditor verifies the file with the public key alone (give them the key's .pub.pem separately, so they
can pin it): keywarden audit verify --file FILE --public-key KEY.pub.pem

Example:
  $ keywarden audit export -o audit-2026-11.jsonl
  exported 250 entries and 2 checkpoints to audit-2026-11.jsonl (key 5c0e9a…)`,
    )
    .action(async (options: ExportOptions) => {
      const publicKey = trustedKey(options.publicKey) ?? findAuditPublicKey(resolveAuditKeyPath(options.key));
      if (!publicKey) {
        throw new UsageError(
          `no audit public key at ${resolveAuditKeyPath(options.key)}: give --key FILE or --public-key FILE`,
        );
      }
      await withStore(options.db, async (store) => {
        const summary = await exportAuditLog(store.db, options.output, { publicKey });
        if (summary.foreignCheckpoints > 0) {
          io.stderr(
            `warning: ${summary.foreignCheckpoints} checkpoints were signed by another key than ${publicKey.keyId.slice(0, 12)}…: they will fail verification with it\n`,
          );
        }
        io.stdout(
          `exported ${count(summary.entries, 'entry', 'entries')} and ${count(summary.checkpoints, 'checkpoint', 'checkpoints')} to ${options.output} (key ${publicKey.keyId.slice(0, 12)}…)\n`,
        );
      });
    });

  return audit;
}

async function verifyExportFile(options: VerifyOptions): Promise<AuditVerifyReport> {
  return verifyAuditExport(options.file as string, { trusted: trustedKey(options.publicKey) });
}

async function verifyDatabase(options: VerifyOptions): Promise<AuditVerifyReport> {
  const keyPath = resolveAuditKeyPath(options.key);
  const publicKey = trustedKey(options.publicKey) ?? findAuditPublicKeyOrUsage(keyPath);
  return withStore(options.db, async (store, url) => {
    if (!publicKey && (await countCheckpoints(store.db)) > 0) {
      throw new UsageError(
        `no audit public key at ${keyPath} to check the checkpoints with: give --key FILE or --public-key FILE`,
      );
    }
    const report = await verifyAuditDatabase(store.db, { publicKey: publicKey?.publicKey ?? null, url });
    if (!publicKey) report.warnings.push(`no audit public key at ${keyPath}; the log has no checkpoints yet`);
    return report;
  });
}

function trustedKey(path: string | undefined): AuditPublicKey | null {
  if (path === undefined) return null;
  try {
    return readAuditPublicKey(path);
  } catch (error) {
    if (error instanceof AuditKeyError) throw new UsageError(error.message);
    throw error;
  }
}

function findAuditPublicKeyOrUsage(keyPath: string): AuditPublicKey | null {
  try {
    return findAuditPublicKey(keyPath);
  } catch (error) {
    if (error instanceof AuditKeyError) throw new UsageError(error.message);
    throw error;
  }
}

async function withStore<T>(
  option: string | undefined,
  work: (store: Store, url: string) => Promise<T>,
): Promise<T> {
  const url = resolveDatabaseUrl(option);
  const store = openStore(url);
  try {
    await migrateToLatest(store.db);
    return await work(store, url);
  } finally {
    await store.close();
  }
}

const count = (n: number, one: string, many: string) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function describeReport(report: AuditVerifyReport): string {
  const signed =
    report.checkpoints === 0
      ? 'no signed checkpoints'
      : `${count(report.checkpoints, 'signed checkpoint', 'signed checkpoints')} (the last at entry ${report.attestedThrough})`;
  if (!report.ok && report.failure) {
    const before =
      report.entries === 0
        ? 'no entry before it was confirmed'
        : `${count(report.entries, 'entry', 'entries')} before it ${report.entries === 1 ? 'is' : 'are'} intact`;
    return `${report.failure.message}\n${before}, ${signed} confirmed\n`;
  }
  const headHash = report.head ? `${report.head.hash.slice(0, 12)}…` : '';
  let text = `audit log intact: ${count(report.entries, 'entry', 'entries')}, ${signed}, head at entry ${report.lastSeq}${headHash ? ` (${headHash})` : ''}\n`;
  if (report.entries > report.attestedThrough) {
    const first = report.attestedThrough + 1;
    text +=
      first === report.entries
        ? `entry ${first} comes after the last checkpoint: the chain covers it, no signature does yet\n`
        : `entries ${first} to ${report.entries} come after the last checkpoint: the chain covers them, no signature does yet\n`;
  }
  return text;
}

function jsonReport(report: AuditVerifyReport): Record<string, unknown> {
  return {
    ok: report.ok,
    source: report.source,
    entries: report.entries,
    checkpoints: report.checkpoints,
    attestedThrough: report.attestedThrough,
    head: report.head,
    keyId: report.keyId,
    keyPinned: report.keyPinned,
    failure: report.failure,
    warnings: report.warnings,
  };
}
