/**
 * The `keywarden audit` commands, run in-process on a fresh commander program (main.ts runs the CLI when
 * imported, so it cannot be imported here); exit codes as main.ts maps them: UsageError 2, other errors 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAuditCommands } from '../cli/audit-command.js';
import { UsageError } from '../cli/usage-error.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { AuditCheckpoints } from './audit-checkpoints.js';
import {
  createTempKey,
  dropAppendOnlyProtection,
  fillLog,
  steppingClock,
  type TempKey,
} from './audit-log.testing.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function keywarden(...args: string[]): Promise<Run> {
  const run: Run = { code: 0, stdout: '', stderr: '' };
  const program = new Command('keywarden').exitOverride().configureOutput({
    writeOut: (text) => {
      run.stdout += text;
    },
    writeErr: (text) => {
      run.stderr += text;
    },
  });
  registerAuditCommands(program, {
    stdout: (text) => {
      run.stdout += text;
    },
    stderr: (text) => {
      run.stderr += text;
    },
    setExitCode: (code) => {
      run.code = code;
    },
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) run.code = error.exitCode;
    else {
      run.code = error instanceof UsageError ? 2 : 1;
      run.stderr += `error: ${(error as Error).message}\n`;
    }
  }
  return run;
}

for (const dialect of await testDialects()) {
  describe(`keywarden audit on ${dialect}`, () => {
    let database: TestDatabase;
    let temp: TempKey;

    beforeEach(async () => {
      database = await createTestDatabase(dialect, { synchronous: 'normal' });
      temp = createTempKey();
      await fillLog(database.store.db, 250, { key: temp.key });
      await new AuditCheckpoints({ key: temp.key, now: steppingClock() }).checkpointIfDue(database.store.db);
    });

    afterEach(async () => {
      await database.drop();
      temp.remove();
    });

    it('exits 0 and says so when the log is intact', async () => {
      const run = await keywarden('audit', 'verify', '--db', database.url, '--key', temp.key.path);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^audit log intact: 250 entries, 3 signed checkpoints \(the last at entry 250\), head at entry 250 \([0-9a-f]{12}…\)\n$/,
      );
    });

    it('exits 1 and names the first entry that fails, in words and in JSON', async () => {
      await dropAppendOnlyProtection(database.store);
      await database.store.db
        .updateTable('audit_entries')
        .set({ actor_id: 'p-x' })
        .where('seq', '=', 42)
        .execute();
      await database.store.db.deleteFrom('audit_entries').where('seq', '=', 99).execute();

      const run = await keywarden('audit', 'verify', '--db', database.url, '--key', temp.key.path);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe(
        'entry 42 was changed: its content no longer matches its hash\n41 entries before it are intact, no signed checkpoints confirmed\n',
      );

      const json = await keywarden('audit', 'verify', '--db', database.url, '--key', temp.key.path, '--json');
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({
        ok: false,
        source: 'database',
        entries: 41,
        keyId: temp.key.keyId,
        failure: {
          kind: 'changed',
          seq: 42,
          message: 'entry 42 was changed: its content no longer matches its hash',
        },
      });
    });

    it('exports a file that verifies with the public key alone, and fails once tampered', async () => {
      const file = join(temp.dir, 'audit.jsonl');
      const exported = await keywarden(
        'audit',
        'export',
        '--db',
        database.url,
        '--key',
        temp.key.path,
        '-o',
        file,
      );
      expect(exported.code).toBe(0);
      expect(exported.stdout).toMatch(
        /^exported 250 entries and 3 checkpoints to .*audit\.jsonl \(key [0-9a-f]{12}…\)\n$/,
      );

      const pinned = await keywarden(
        'audit',
        'verify',
        '--file',
        file,
        '--public-key',
        temp.key.publicKeyPath,
      );
      expect(pinned).toMatchObject({ code: 0, stderr: '' });
      expect(pinned.stdout).toMatch(/^audit log intact: 250 entries/);

      const unpinned = await keywarden('audit', 'verify', '--file', file);
      expect(unpinned.code).toBe(0);
      expect(unpinned.stderr).toMatch(/^warning: the export's own public key was used/);

      const lines = readFileSync(file, 'utf8').split('\n');
      const index = lines.findIndex((line) => line.includes('"record":"entry","seq":120,'));
      lines[index] = (lines[index] as string).replace('"type":"', '"type":"x');
      const tampered = join(temp.dir, 'tampered.jsonl');
      writeFileSync(tampered, lines.join('\n'));
      const failed = await keywarden(
        'audit',
        'verify',
        '--file',
        tampered,
        '--public-key',
        temp.key.publicKeyPath,
      );
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/^entry 120 was changed: its content no longer matches its hash\n/);

      writeFileSync(tampered, `${lines.slice(0, 5).join('\n')}\nnot json\n`);
      const damaged = await keywarden('audit', 'verify', '--file', tampered, '--json');
      expect(damaged.code).toBe(1);
      expect(JSON.parse(damaged.stdout)).toEqual({
        ok: false,
        error: 'the export is damaged: line 6 is not JSON',
      });
    });

    it('exits 2 when used wrongly or when it has no key to check the checkpoints with', async () => {
      const both = await keywarden('audit', 'verify', '--db', database.url, '--file', 'x.jsonl');
      expect(both.code).toBe(2);
      expect(both.stderr).toMatch(/give --db or --file, not both/);
      const noKey = await keywarden(
        'audit',
        'verify',
        '--db',
        database.url,
        '--key',
        join(temp.dir, 'absent.pem'),
      );
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toMatch(/no audit public key at .*absent\.pem/);
      const noOutput = await keywarden('audit', 'export', '--db', database.url);
      expect(noOutput.code).toBe(1);
      expect(noOutput.stderr).toMatch(/required option '-o, --output <file>'/);
    });
  });
}

describe('keywarden audit --help', () => {
  it('explains verify and export with examples', async () => {
    const verify = await keywarden('audit', 'verify', '--help');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/Usage: keywarden audit verify \[options\]/);
    expect(verify.stdout).toMatch(/--public-key <file>/);
    expect(verify.stdout).toMatch(/Examples:\n {2}\$ keywarden audit verify/);
    const exportHelp = await keywarden('audit', 'export', '--help');
    expect(exportHelp.stdout).toMatch(/-o, --output <file>/);
    expect(exportHelp.stdout).toMatch(/Example:\n {2}\$ keywarden audit export -o/);
  });
});
