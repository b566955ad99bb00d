/**
 * The `keywarden console` commands, run in-process on a fresh commander program against a temporary SQLite
 * database with the Riverside directory; exit codes as main.ts maps them (UsageError 2, other errors 1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ConsoleCommandIo, registerConsoleCommands } from '../cli/console-command.js';
import { UsageError } from '../cli/usage-error.js';
import { auditText } from '../credentials/credentials.testing.js';
import { KeywardenError } from '../domain/errors.js';
import { createTestDatabase, type TestDatabase } from '../store/test-databases.js';
import { newServiceContext } from '../testing/service-context.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const PASSWORD = 'violet kettle under 9 ferns';

describe('keywarden console', () => {
  let database: TestDatabase;
  let dir: string;

  beforeEach(async () => {
    database = await createTestDatabase('sqlite', { synchronous: 'normal' });
    await newServiceContext(database.store).activatePolicy();
    dir = mkdtempSync(join(tmpdir(), 'keywarden-console-cli-'));
    vi.stubEnv('KEYWARDEN_AUDIT_KEY', join(dir, 'audit-signing-key.pem'));
    vi.stubEnv('KEYWARDEN_SECRETS_KEY', join(dir, 'secrets.key'));
    vi.stubEnv('KEYWARDEN_DB', database.url);
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function keywarden(args: string[], stdin: string[] = [], interactive = false): Promise<Run> {
    const run: Run = { code: 0, stdout: '', stderr: '' };
    const program = new Command('keywarden').exitOverride().configureOutput({
      writeOut: (text) => {
        run.stdout += text;
      },
      writeErr: (text) => {
        run.stderr += text;
      },
    });
    const io: ConsoleCommandIo = {
      stdout: (text) => {
        run.stdout += text;
      },
      stderr: (text) => {
        run.stderr += text;
      },
      readSecret: async () => stdin.shift() ?? '',
      interactive: () => interactive,
    };
    registerConsoleCommands(program, io);
    try {
      await program.parseAsync(args, { from: 'user' });
    } catch (error) {
      if (error instanceof CommanderError) run.code = error.exitCode;
      else if (error instanceof UsageError) {
        run.code = 2;
        run.stderr += `error: ${error.message}\n`;
      } else if (error instanceof KeywardenError) {
        run.code = 1;
        run.stderr += `error: ${error.message}\n`;
      } else throw error;
    }
    return run;
  }

  it('bootstraps the first admin once, printing the authenticator URI once and never the password', async () => {
    const run = await keywarden(
      ['console', 'create-admin', '--person', 'p-okafor', '--password', '-'],
      [PASSWORD],
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^otpauth:\/\/totp\/Keywarden:p-okafor\?secret=[A-Z2-7]+/);
    const roles = await database.store.db.selectFrom('console_roles').selectAll().execute();
    expect(roles).toEqual([{ person_id: 'p-okafor', role: 'admin' }]);
    expect(await auditText(database.store.db)).not.toContain(PASSWORD);
    const again = await keywarden(['console', 'create-admin', '--person', 'p-chen'], [PASSWORD]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a console admin exists already (p-okafor)');
  });

  it('refuses a weak password, a password on the command line, and two that differ', async () => {
    const weak = await keywarden(['console', 'create-admin', '--person', 'p-okafor'], ['Password2024!']);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('password refused: a common word');
    const argv = await keywarden(['console', 'set-password', 'p-chen', '--password', PASSWORD]);
    expect(argv.code).toBe(2);
    const differ = await keywarden(['console', 'set-password', 'p-chen'], [PASSWORD, `${PASSWORD}!`], true);
    expect(differ).toMatchObject({ code: 2, stderr: 'error: the two passwords differ\n' });
    const typed = await keywarden(['console', 'set-password', 'p-chen'], [PASSWORD, PASSWORD], true);
    expect(typed).toMatchObject({ code: 0, stdout: 'console password set for p-chen\n' });
  });

  it('grants and revokes roles, refusing unknown roles', async () => {
    const grant = await keywarden(['console', 'grant', 'p-chen', 'supervisor', '--by', 'p-okafor']);
    expect(grant).toMatchObject({
      code: 0,
      stdout: 'p-chen now holds supervisor; console roles: supervisor\n',
    });
    const twice = await keywarden(['console', 'grant', 'p-chen', 'supervisor', '--by', 'p-okafor']);
    expect(twice.stdout).toContain('already held');
    const unknown = await keywarden(['console', 'grant', 'p-chen', 'root', '--by', 'p-okafor']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('a console role is one of admin, key-manager, supervisor, auditor');
    const revoke = await keywarden(['console', 'revoke', 'p-chen', 'supervisor', '--by', 'p-okafor']);
    expect(revoke).toMatchObject({
      code: 0,
      stdout: 'p-chen no longer holds supervisor; console roles: none\n',
    });
    const none = await keywarden(['console', 'revoke', 'p-chen', 'supervisor', '--by', 'p-okafor']);
    expect(none.code).toBe(1);
  });
});
