/**
 * Issue 5, resilience: "The dispatcher process is killed in the middle of sending: after restart nothing is
 * lost and nothing is duplicated."
 *
 * A real second process (sender-process.testing.ts) runs a NotificationSender with a short lease against a
 * database holding 40 pending e-mails; an in-process SMTP server records each mail at once but answers 250
 * only after a pause, so when the test kills the process with SIGKILL right as a mail arrives, that mail (and
 * the others being sent at that moment) has reached the receiver without the sender ever learning so. Then a
 * sender in the test process takes over: the rows the dead process left claimed wait for their lease, then go
 * out again.
 *
 * What "nothing duplicated" can honestly mean over SMTP: the send and the database commit cannot be one atomic
 * step, so a mail accepted in the instant before the crash is sent again after it. The guarantee is
 * at-least-once delivery with a stable identity: the resend carries the same Message-ID (the message id, which
 * is also the row's idempotency key), so the receiver recognises and drops the duplicate. The test asserts
 * exactly that: every message arrived; each arrived under one Message-ID only, its own; there are as many
 * distinct Message-IDs as messages; only messages in flight at the kill arrived twice, never three times; and
 * each row was recorded `sent` once.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { auditRows } from '../credentials/credentials.testing.js';
import { SecretBox } from '../credentials/secret-box.js';
import { InProcessLiveEvents } from '../live/live-events.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { TestClock } from '../testing/service-context.js';
import { setSmtpSettings } from './channel-settings.js';
import { emailMessageId } from './channels/email-channel.js';
import { NotificationSender } from './notification-sender.js';
import { insertMessage, startSmtpServer, type TestSmtpServer } from './notifications.testing.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DISPATCHER = fileURLToPath(new URL('./sender-process.testing.ts', import.meta.url));
const MESSAGES = 40;
/** The process is killed when this many mails have arrived. */
const KILL_AT_MAIL = 12;
const LEASE_MS = 10_000;
const ACCEPT_DELAY_MS = 150;
const SMTP_PASSWORD = 'smtp-pass-crash-Qx41';
const DISPATCHER_APPLICATION = 'keywarden-sender-crash';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** PostgreSQL keeps a killed client's transaction open until it notices the closed socket: wait for that. */
async function waitForDispatcherSessionsToEnd(database: TestDatabase): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    const { rows } = await sql<{ pid: number }>`
      select pid from pg_stat_activity where application_name = ${DISPATCHER_APPLICATION}`.execute(
      database.store.db,
    );
    if (rows.length === 0) return;
    await sleep(50);
  }
  throw new Error('the killed dispatcher still has a session open');
}

for (const dialect of await testDialects()) {
  describe(`dispatcher killed mid-send on ${dialect}`, () => {
    let database: TestDatabase;
    let smtp: TestSmtpServer;
    let dir: string;
    let child: ChildProcessWithoutNullStreams | null = null;

    afterEach(async () => {
      child?.kill('SIGKILL');
      child = null;
      await smtp.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('loses nothing and resends only what was in flight, under the same Message-ID', async () => {
      database = await createTestDatabase(dialect);
      const db = database.store.db;
      dir = mkdtempSync(join(tmpdir(), 'keywarden-sender-crash-'));
      const keyFile = join(dir, 'secrets.key');
      const clock = new TestClock(Date.now());
      const context = {
        audit: new AuditLog({ now: clock.now }),
        now: clock.now,
        secrets: new SecretBox({ path: keyFile }),
        live: new InProcessLiveEvents(),
      };
      smtp = await startSmtpServer(
        { user: 'keywarden', password: SMTP_PASSWORD },
        { acceptDelayMs: ACCEPT_DELAY_MS },
      );
      await db.transaction().execute((trx) =>
        setSmtpSettings(
          trx,
          context,
          {
            host: '127.0.0.1',
            port: smtp.port,
            security: 'none',
            user: 'keywarden',
            password: SMTP_PASSWORD,
            from: 'keys@riverside.example',
          },
          'p-okafor',
        ),
      );
      // Each message's subject names it, so a received mail can be traced to its row whatever its Message-ID.
      const idBySubject = new Map<string, string>();
      for (let n = 1; n <= MESSAGES; n++) {
        const subject = `After-hours removal ${n} of ${MESSAGES}`;
        const id = await insertMessage(db, clock, {
          channel: 'email',
          address: `supervisor-${n}@riverside.example`,
          subject,
          text: `Message ${n}`,
        });
        idBySubject.set(subject, id);
      }

      // The dispatcher process, killed the instant the KILL_AT_MAIL-th mail arrives (its 250 still pending).
      const url =
        dialect === 'postgres' ? `${database.url}?application_name=${DISPATCHER_APPLICATION}` : database.url;
      const dispatcher = spawn(
        process.execPath,
        ['--import', 'tsx', DISPATCHER, url, keyFile, String(LEASE_MS)],
        {
          cwd: ROOT,
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      child = dispatcher;
      let stderr = '';
      dispatcher.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const closed = new Promise<NodeJS.Signals | null>((resolve) =>
        dispatcher.once('close', (_code, signal) => resolve(signal)),
      );
      try {
        await smtp.waitFor(KILL_AT_MAIL, 30_000);
      } catch (error) {
        throw new Error(`${(error as Error).message}; dispatcher stderr:\n${stderr}`);
      }
      dispatcher.kill('SIGKILL');
      expect(await closed).toBe('SIGKILL');
      child = null;
      const arrivedBeforeKill = smtp.mails.length;
      if (dialect === 'postgres') await waitForDispatcherSessionsToEnd(database);

      // What the dead process left: some rows sent, some claimed (`sending`: in flight, or claimed and not yet
      // begun), the rest pending.
      const atKill = await db.selectFrom('notification_messages').select(['id', 'status']).execute();
      const inFlight = new Set(atKill.filter((r) => r.status === 'sending').map((r) => r.id));
      expect(atKill.filter((r) => r.status === 'sent').length).toBeGreaterThan(0);
      expect(atKill.filter((r) => r.status === 'sent').length).toBeLessThan(arrivedBeforeKill);
      expect(inFlight.size).toBeGreaterThan(0);
      // Every mail that arrived but is not recorded sent belongs to a claimed row.
      const subjectsAtKill = smtp.mails.slice(0, arrivedBeforeKill).map((m) => m.subject ?? '');
      const sentAtKill = new Set(atKill.filter((r) => r.status === 'sent').map((r) => r.id));
      for (const subject of subjectsAtKill) {
        const id = idBySubject.get(subject) as string;
        expect(sentAtKill.has(id) || inFlight.has(id), `${subject} was recorded or claimed`).toBe(true);
      }

      // The restart: a sender in this process. Inside the lease it leaves the claimed rows alone...
      clock.set(new Date().toISOString());
      const restarted = new NotificationSender(db, context, { random: () => 0.5 });
      await restarted.runDueNow();
      const stillClaimed = await db
        .selectFrom('notification_messages')
        .select('id')
        .where('status', '=', 'sending')
        .execute();
      expect(new Set(stillClaimed.map((r) => r.id))).toEqual(inFlight);
      // ... and once the lease has run out it sends them again.
      clock.advance(LEASE_MS + 1_000);
      for (let run = 0; run < 5; run++) {
        const summary = await restarted.runDueNow();
        if (summary.sent === 0) break;
      }
      await restarted.close();

      const rows = await db.selectFrom('notification_messages').selectAll().execute();
      expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
      // Nothing lost: every message arrived. Each under one Message-ID only, its own.
      const messageIdsOf = new Map<string, Set<string>>();
      const copiesOf = new Map<string, number>();
      for (const mail of smtp.mails) {
        const id = idBySubject.get(mail.subject ?? '');
        expect(id, `a mail no message asked for: ${mail.subject}`).toBeDefined();
        const key = id as string;
        messageIdsOf.set(key, new Set([...(messageIdsOf.get(key) ?? []), mail.messageId ?? '']));
        copiesOf.set(key, (copiesOf.get(key) ?? 0) + 1);
      }
      expect(messageIdsOf.size).toBe(MESSAGES);
      for (const [id, messageIds] of messageIdsOf) expect([...messageIds]).toEqual([emailMessageId(id)]);
      expect(new Set(smtp.mails.map((m) => m.messageId)).size).toBe(MESSAGES);
      // Only what was in flight at the kill arrived twice (at least the mail whose 250 never came), never more.
      const twice = [...copiesOf].filter(([, copies]) => copies > 1);
      expect(twice.length).toBeGreaterThan(0);
      expect(twice.every(([id, copies]) => copies === 2 && inFlight.has(id))).toBe(true);
      expect(smtp.mails).toHaveLength(MESSAGES + twice.length);
      // The log: one `notification.sent` per message, recorded by whoever's delivery was acknowledged.
      const sent = await auditRows(db, ['notification.sent']);
      expect(sent.map((e) => e.data.message).sort()).toEqual(rows.map((r) => r.id).sort());
    }, 40_000);
  });
}
