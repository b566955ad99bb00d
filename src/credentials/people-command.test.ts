/**
 * The `keywarden people` commands, run in-process on a fresh commander program against a temporary SQLite
 * database with the Riverside directory; exit codes as main.ts maps them (UsageError 2, other errors 1).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type PeopleCommandIo, registerPeopleCommands } from '../cli/people-command.js';
import { UsageError } from '../cli/usage-error.js';
import { decodeBase32, totpCode } from '../domain/credentials/totp.js';
import { KeywardenError } from '../domain/errors.js';
import { openStore } from '../store/database.js';
import { createTestDatabase, type TestDatabase } from '../store/test-databases.js';
import { newServiceContext } from '../testing/service-context.js';
import { auditText } from './credentials.testing.js';
import { verifyFactor } from './factor-verification.js';
import { SecretBox } from './secret-box.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('keywarden people', () => {
  let database: TestDatabase;
  let dir: string;
  let secretsKey: string;

  beforeEach(async () => {
    database = await createTestDatabase('sqlite', { synchronous: 'normal' });
    await newServiceContext(database.store).activatePolicy();
    dir = mkdtempSync(join(tmpdir(), 'keywarden-people-cli-'));
    secretsKey = join(dir, 'secrets.key');
    vi.stubEnv('KEYWARDEN_AUDIT_KEY', join(dir, 'audit-signing-key.pem'));
    vi.stubEnv('KEYWARDEN_SECRETS_KEY', secretsKey);
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
    const io: PeopleCommandIo = {
      stdout: (text) => {
        run.stdout += text;
      },
      stderr: (text) => {
        run.stderr += text;
      },
      readSecret: async () => stdin.shift() ?? '',
      interactive: () => interactive,
    };
    registerPeopleCommands(program, io);
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

  /** Verifies a factor against the database the commands used. */
  async function check(person: string, kind: 'pin' | 'badge' | 'totp', value: string) {
    const store = openStore(database.url);
    try {
      const context = newServiceContext(store);
      const secrets = new SecretBox({ path: secretsKey });
      return await store.db
        .transaction()
        .execute((trx) =>
          verifyFactor(
            trx,
            { audit: context.audit, now: () => new Date(), secrets },
            person,
            { kind, value },
            { cabinet: 'central-a' },
          ),
        );
    } finally {
      await store.close();
    }
  }

  it('sets a random PIN by default and prints it once, on stdout alone', async () => {
    const run = await keywarden(['people', 'set-pin', 'p-ruiz', '--by', 'p-okafor']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^[0-9]{6}\n$/);
    expect(run.stderr).toBe(
      'the new PIN of p-ruiz (Dana Ruiz): give it to them now; it is not shown again\n',
    );
    const pin = run.stdout.trim();
    expect((await check('p-ruiz', 'pin', pin)).ok).toBe(true);
    expect(await auditText(database.store.db)).not.toContain(pin);
    expect((await keywarden(['people', 'set-pin', 'p-ruiz', '--random', '--db', database.url])).code).toBe(0);
  });

  it('reads a chosen PIN from stdin with --pin -, and asks twice at a terminal', async () => {
    const piped = await keywarden(['people', 'set-pin', 'p-chen', '--pin', '-'], ['583016']);
    expect(piped).toEqual({ code: 0, stdout: 'PIN set for p-chen (Marcus Chen)\n', stderr: '' });
    expect((await check('p-chen', 'pin', '583016')).ok).toBe(true);

    const typed = await keywarden(['people', 'set-pin', 'p-chen', '--pin', '-'], ['294751', '294751'], true);
    expect(typed.code).toBe(0);
    expect((await check('p-chen', 'pin', '294751')).ok).toBe(true);

    const differ = await keywarden(['people', 'set-pin', 'p-chen', '--pin', '-'], ['294751', '294752'], true);
    expect(differ).toMatchObject({ code: 2, stderr: 'error: the two PINs differ\n' });
    const empty = await keywarden(['people', 'set-pin', 'p-chen', '--pin', '-'], []);
    expect(empty).toMatchObject({ code: 2, stderr: 'error: no PIN was given on stdin\n' });
  });

  it('warns about a PIN on the command line, and refuses easy ones', async () => {
    const argv = await keywarden(['people', 'set-pin', 'p-chen', '--pin', '583016']);
    expect(argv.code).toBe(0);
    expect(argv.stderr).toContain('warning: a PIN on the command line can be seen by other users');
    const easy = await keywarden(['people', 'set-pin', 'p-chen', '--pin', '-'], ['123456']);
    expect(easy).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: PIN refused: a PIN of consecutive digits (such as 123456 or 654321) is easily guessed\n',
    });
    const both = await keywarden(['people', 'set-pin', 'p-chen', '--random', '--pin', '583016']);
    expect(both).toMatchObject({ code: 2, stderr: 'error: give --random or --pin, not both\n' });
    const nobody = await keywarden(['people', 'set-pin', 'p-nobody']);
    expect(nobody).toMatchObject({ code: 1, stderr: 'error: person "p-nobody" is not in the directory\n' });
  });

  it('adds, refuses a second holder of, and revokes a badge', async () => {
    const added = await keywarden(['people', 'add-badge', 'p-ruiz', '00:4a:22:46:b7']);
    expect(added).toEqual({ code: 0, stdout: 'badge 4A2246B7 added for p-ruiz (Dana Ruiz)\n', stderr: '' });
    expect((await check('p-ruiz', 'badge', '4A2246B7')).ok).toBe(true);
    const taken = await keywarden(['people', 'add-badge', 'p-chen', '4A2246B7']);
    expect(taken).toMatchObject({
      code: 1,
      stderr: 'error: badge 4A2246B7 belongs to p-ruiz: revoke it there first\n',
    });
    const invalid = await keywarden(['people', 'add-badge', 'p-chen', '4A#22']);
    expect(invalid).toMatchObject({
      code: 1,
      stderr: 'error: not a badge number: a badge number has letters and digits only, not "#"\n',
    });
    const revoked = await keywarden(['people', 'revoke-badge', 'p-ruiz', '4a2246b7', '--by', 'p-okafor']);
    expect(revoked).toEqual({
      code: 0,
      stdout: 'badge 4A2246B7 of p-ruiz (Dana Ruiz) revoked\n',
      stderr: '',
    });
    expect((await check('p-ruiz', 'badge', '4A2246B7')).ok).toBe(false);
    expect((await keywarden(['people', 'revoke-badge', 'p-ruiz', '4a2246b7'])).code).toBe(1);
  });

  it('enrols an authenticator, printing the URI and secret once, with the seed sealed by a 0600 key file', async () => {
    const run = await keywarden([
      'people',
      'enrol-totp',
      'p-ruiz',
      '--algorithm',
      'sha256',
      '--by',
      'p-okafor',
    ]);
    expect(run.code).toBe(0);
    const [uri, secretLine] = run.stdout.trimEnd().split('\n');
    expect(uri).toMatch(
      /^otpauth:\/\/totp\/Keywarden:p-ruiz\?secret=[A-Z2-7]{52}&issuer=Keywarden&algorithm=SHA256$/,
    );
    const secret = (secretLine as string).replace(/^secret: /, '').replaceAll(' ', '');
    expect(uri).toContain(`secret=${secret}&`);
    expect(run.stderr).toBe(
      'authenticator enrolled for p-ruiz (Dana Ruiz) (SHA256, 6 digits, 30 s): the URI and secret are not shown again\n',
    );
    expect(statSync(secretsKey).mode & 0o777).toBe(0o600);
    const code = await totpCode(decodeBase32(secret), Date.now(), {
      algorithm: 'SHA256',
      digits: 6,
      stepSeconds: 30,
    });
    expect((await check('p-ruiz', 'totp', code)).ok).toBe(true);

    const again = await keywarden(['people', 'enrol-totp', 'p-ruiz']);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining('already has an authenticator') });
    expect((await keywarden(['people', 'enrol-totp', 'p-ruiz', '--replace'])).code).toBe(0);
    expect((await keywarden(['people', 'enrol-totp', 'p-chen', '--algorithm', 'md5'])).code).toBe(2);
    expect((await keywarden(['people', 'enrol-totp', 'p-chen', '--digits', '10'])).code).toBe(2);
    expect((await keywarden(['people', 'revoke-totp', 'p-ruiz'])).stdout).toBe(
      'authenticator of p-ruiz (Dana Ruiz) revoked\n',
    );
  });

  it('lists credentials without secrets, with the lockout state, and unlocks', async () => {
    const pin = (await keywarden(['people', 'set-pin', 'p-ruiz'])).stdout.trim();
    await keywarden(['people', 'add-badge', 'p-ruiz', '1001']);
    await keywarden(['people', 'enrol-totp', 'p-ruiz']);
    for (let i = 0; i < 5; i++) await check('p-ruiz', 'pin', pin === '583016' ? '583017' : '583016');

    const listed = await keywarden(['people', 'credentials', 'p-ruiz']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('p-ruiz (Dana Ruiz)');
    expect(lines[1]).toMatch(/^ {2}badge {2}1001, added \S+, never used$/);
    expect(lines[2]).toMatch(/^ {2}pin {4}set \S+, never used$/);
    expect(lines[3]).toMatch(/^ {2}totp {3}SHA1, 6 digits, 30 s, enrolled \S+, never used$/);
    expect(lines[4]).toMatch(/^ {2}lockout: locked out until \S+; 1 lockout since the last sign-in$/);
    expect(listed.stdout).not.toContain(pin);

    const json = JSON.parse((await keywarden(['people', 'credentials', 'p-ruiz', '--json'])).stdout);
    expect(json.credentials.map((c: { kind: string }) => c.kind)).toEqual(['badge', 'pin', 'totp']);
    expect(json.lockout).toMatchObject({ locked: true, lockouts: 1 });
    expect(JSON.stringify(json)).not.toMatch(/argon2|v1\./);

    const unlocked = await keywarden(['people', 'unlock', 'p-ruiz', '--by', 'p-okafor']);
    expect(unlocked.stdout).toMatch(/^p-ruiz \(Dana Ruiz\) unlocked \(was locked out until \S+\)\n$/);
    expect((await check('p-ruiz', 'pin', pin)).ok).toBe(true);
    const again = await keywarden(['people', 'unlock', 'p-ruiz']);
    expect(again.stdout).toBe('p-ruiz (Dana Ruiz) was not locked out; the failure count is reset\n');
    expect((await keywarden(['people', 'credentials', 'p-berg'])).stdout).toBe(
      'p-berg (Sven Berg)\n  no credentials\n  lockout: none\n',
    );
  });

  it.each(['set-pin', 'add-badge', 'revoke-badge', 'enrol-totp', 'revoke-totp', 'credentials', 'unlock'])(
    'explains %s with --help and an example',
    async (command) => {
      const run = await keywarden(['people', command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: keywarden people ${command}`);
      expect(run.stdout).toMatch(/Examples?:\n {2}\$ keywarden people /);
    },
  );
});
