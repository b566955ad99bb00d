/**
 * `keywarden notify` in-process on a fresh commander program, on both dialects: SMTP set with the password
 * from stdin (never an argument), `notify test` reaching an in-process SMTP server, webhooks added with the
 * secret printed once, the delivery log and a dead letter's retry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditText } from '../credentials/credentials.testing.js';
import { KeywardenError } from '../domain/errors.js';
import { startSmtpServer, type TestSmtpServer } from '../notifications/notifications.testing.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { type NotifyCommandIo, registerNotifyCommands } from './notify-command.js';
import { UsageError } from './usage-error.js';

const PASSWORD = 'cli-smtp-password-Ty5';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

for (const dialect of await testDialects()) {
  describe(`keywarden notify on ${dialect}`, () => {
    let database: TestDatabase;
    let dir: string;
    let smtp: TestSmtpServer;

    beforeAll(async () => {
      database = await createTestDatabase(dialect, { synchronous: 'normal' });
      dir = mkdtempSync(join(tmpdir(), 'keywarden-notify-cli-'));
      smtp = await startSmtpServer({ user: 'relay', password: PASSWORD });
      vi.stubEnv('KEYWARDEN_AUDIT_KEY', join(dir, 'audit-signing-key.pem'));
      vi.stubEnv('KEYWARDEN_SECRETS_KEY', join(dir, 'secrets.key'));
      vi.stubEnv('KEYWARDEN_DB', database.url);
    });

    afterAll(async () => {
      vi.unstubAllEnvs();
      await smtp.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function keywarden(args: string[], stdin: string[] = []): Promise<Run> {
      const run: Run = { code: 0, stdout: '', stderr: '' };
      const program = new Command('keywarden').exitOverride().configureOutput({
        writeOut: (text) => {
          run.stdout += text;
        },
        writeErr: (text) => {
          run.stderr += text;
        },
      });
      const io: NotifyCommandIo = {
        stdout: (text) => {
          run.stdout += text;
        },
        stderr: (text) => {
          run.stderr += text;
        },
        readSecret: async () => stdin.shift() ?? '',
        interactive: () => false,
      };
      registerNotifyCommands(program, io);
      try {
        await program.parseAsync(args, { from: 'user' });
      } catch (error) {
        if (error instanceof CommanderError) run.code = error.exitCode;
        else if (error instanceof UsageError) {
          run.code = 2;
          run.stderr += `error: ${error.message}\n`;
        } else if (error instanceof KeywardenError || error instanceof Error) {
          run.code = 1;
          run.stderr += `error: ${error.message}\n`;
        } else throw error;
      }
      return run;
    }

    it('sets SMTP with the password from stdin, and `notify test` reaches the SMTP server', async () => {
      const refused = await keywarden([
        'notify',
        'smtp',
        'set',
        '--host',
        '127.0.0.1',
        '--from',
        'k@riverside.example',
      ]);
      expect(refused).toMatchObject({
        code: 2,
        stderr: 'error: choose one of --secure, --starttls and --plain-local\n',
      });
      const set = await keywarden(
        [
          'notify',
          'smtp',
          'set',
          '--host',
          '127.0.0.1',
          '--port',
          String(smtp.port),
          '--plain-local',
          '--user',
          'relay',
          '--from',
          'keys@riverside.example',
          '--by',
          'p-okafor',
        ],
        [PASSWORD],
      );
      expect(set).toMatchObject({ code: 0, stdout: `SMTP set: 127.0.0.1:${smtp.port} (none) as relay\n` });
      const shown = await keywarden(['notify', 'smtp', 'show']);
      expect(shown.stdout).toContain('password …-Ty5');
      expect(shown.stdout).not.toContain(PASSWORD);

      const before = smtp.mails.length;
      const sent = await keywarden([
        'notify',
        'test',
        '--to',
        'okafor@riverside.example',
        '--by',
        'p-okafor',
      ]);
      expect(sent.code).toBe(0);
      expect(sent.stdout).toMatch(
        /^sent a test e-mail to okafor@riverside.example \(message [0-9a-f-]{36}\)\n$/,
      );
      const mail = (await smtp.waitFor(before + 1)).at(-1);
      expect(mail?.subject).toBe('Keywarden test message');
      expect(mail?.to && 'text' in mail.to ? mail.to.text : '').toBe('okafor@riverside.example');
      expect(mail?.html).toContain('<strong>test message</strong>');
      expect(await auditText(database.store.db)).not.toContain(PASSWORD);
    });

    it('adds webhooks with the secret printed once, lists them without it, and removes them', async () => {
      const added = await keywarden([
        'notify',
        'webhooks',
        'add',
        '--url',
        'https://cad.riverside.example/hook',
        '--events',
        'checkout,overdue',
      ]);
      expect(added.code).toBe(0);
      const [id, secret] = added.stdout.trim().split('\n');
      expect(secret).toMatch(/^whsec_/);
      const list = await keywarden(['notify', 'webhooks', 'list']);
      expect(list.stdout).toContain(`${id}\tactive\tcheckout,overdue\thttps://cad.riverside.example/hook`);
      expect(list.stdout).not.toContain(secret);
      expect((await keywarden(['notify', 'webhooks', 'remove', String(id)])).code).toBe(0);
      expect((await keywarden(['notify', 'webhooks', 'remove', String(id)])).code).toBe(1);
      const http = await keywarden([
        'notify',
        'webhooks',
        'add',
        '--url',
        'http://cad.riverside.example/hook',
      ]);
      expect(http.code).toBe(1);
      expect(http.stderr).toContain('must use https');
    });

    it('fails `notify test` with the reason when delivery fails, and lists and retries dead letters', async () => {
      const failed = await keywarden(['notify', 'test', '--to', '+15550009999']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(
        'the SMS provider is not configured (it waits until the channel is configured: keywarden notify sms set --help)',
      );
      const pending = await keywarden(['notify', 'messages', '--status', 'pending']);
      const [line] = pending.stdout.trim().split('\n');
      expect(line).toContain(
        '\tpending\tsms\t+15550009999\ttest\tattempts 0\twaiting for channel settings: the SMS provider is not configured',
      );
      const id = line?.split('\t')[0] as string;
      await database.store.db
        .updateTable('notification_messages')
        .set({ status: 'dead' })
        .where('id', '=', id)
        .execute();
      expect((await keywarden(['notify', 'retry', id, '--by', 'p-okafor'])).code).toBe(0);
      const again = await keywarden(['notify', 'retry', id]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('only a dead letter can be retried');
      expect((await keywarden(['notify', 'messages', '--status', 'lost'])).code).toBe(2);
    });
  });
}
