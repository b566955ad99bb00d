/**
 * Issue 5, resilience: "The SMTP server is down for a while during a burst of after-hours checkouts: when it
 * comes back every notification arrives exactly once."
 *
 * Real parts end to end, on both dialects: after-hours checkouts through recordCheckout under the Riverside
 * policy (rule `after-hours-removal` e-mails and texts the supervisor), the event router, the sender, and a
 * real SMTP server on a port where, during the burst, nothing listens (connections are refused). The SMS
 * provider (a local HTTP server) stays up throughout, so texts go out at once while e-mail waits. The test
 * plays the server's loop by hand in simulated time: after each checkout the router and the sender run, as
 * the wake-on-commit would make them; afterwards the clock moves in 30-second steps, as the sender's timer
 * would, until nothing is left.
 */
import { createServer } from 'node:net';
import type { ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { recordCheckout, recordReturn } from '../checkouts/checkouts.service.js';
import {
  auditRows,
  type CredentialTestBed,
  createCredentialTestBed,
} from '../credentials/credentials.testing.js';
import { testDialects } from '../store/test-databases.js';
import { setSmsSettings, setSmtpSettings } from './channel-settings.js';
import { emailMessageId } from './channels/email-channel.js';
import { EventRouter } from './event-router.js';
import { NotificationSender } from './notification-sender.js';
import {
  startHttpReceiver,
  startSmtpServer,
  type TestHttpReceiver,
  type TestSmtpServer,
} from './notifications.testing.js';

/** Wednesday 2026-11-25, 21:30 at Central Station (America/Chicago): after hours. */
const WEDNESDAY_NIGHT = '2026-11-26T03:30:00.000Z';
const STEP_MS = 30_000;

/** Who takes which car in the burst (Ruiz and Novak report to Chen, Chen to Okafor: the Riverside example). */
const DRIVERS = [
  { person: 'p-ruiz', key: 'car-101', slot: 1 },
  { person: 'p-novak', key: 'car-102', slot: 2 },
  { person: 'p-chen', key: 'car-103', slot: 3 },
];

/** A port nothing listens on right now: the SMTP server's, while it is down. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

for (const dialect of await testDialects()) {
  describe(`SMTP outage during an after-hours burst on ${dialect}`, () => {
    let bed: CredentialTestBed;
    let smtp: TestSmtpServer | null = null;
    let sms: TestHttpReceiver;
    let sender: NotificationSender;

    afterEach(async () => {
      await sender.close();
      await smtp?.close();
      smtp = null;
      await sms.close();
      await bed.drop();
    });

    it('retries while SMTP is down; once it is back every e-mail arrives exactly once', async () => {
      bed = await createCredentialTestBed(dialect);
      const { db, clock, context } = bed;
      clock.set(WEDNESDAY_NIGHT);
      const port = await freePort();
      sms = await startHttpReceiver();
      await db.transaction().execute(async (trx) => {
        await setSmtpSettings(
          trx,
          context,
          { host: '127.0.0.1', port, security: 'none', from: 'keys@riverside.example' },
          'p-okafor',
        );
        await setSmsSettings(
          trx,
          context,
          { baseUrl: sms.url, accountSid: 'AC0123', authToken: 'sms-token', from: '+15550001111' },
          'p-okafor',
        );
      });
      const router = new EventRouter(db, context);
      // Real jitter: a burst that failed together must not be retried all at the same instant.
      sender = new NotificationSender(db, context);
      /** What `serve` does after every commit: route the new event, send what is due. */
      const settle = async () => {
        await router.runOnce();
        await sender.runDueNow();
      };
      const checkout = async (driver: (typeof DRIVERS)[number]) => {
        const outcome = await db.transaction().execute((trx) =>
          recordCheckout(trx, context, {
            person: driver.person,
            key: driver.key,
            factors: ['badge', 'pin'],
            reason: 'vehicle-swap',
          }),
        );
        if (!outcome.ok) throw new Error(`refused: ${outcome.decision.explanation}`);
        await settle();
      };
      const giveBack = async (driver: (typeof DRIVERS)[number]) => {
        await db
          .transaction()
          .execute((trx) =>
            recordReturn(trx, context, { key: driver.key, cabinet: 'central-a', slot: driver.slot }),
          );
        await settle();
      };

      // The burst, SMTP down: four rounds of three after-hours checkouts, 20 s apart, each car back 2 min later.
      for (let round = 0; round < 4; round++) {
        for (const driver of DRIVERS) {
          clock.advance(20_000);
          await checkout(driver);
        }
        clock.advance(2 * 60_000);
        for (const driver of DRIVERS) await giveBack(driver);
      }
      const duringOutage = await db
        .selectFrom('notification_messages')
        .selectAll()
        .where('channel', '=', 'email')
        .execute();
      expect(duringOutage).toHaveLength(12);
      expect(duringOutage.every((m) => m.status === 'pending' && m.attempts >= 1)).toBe(true);
      // The earliest messages have been retried already (30 s, 1 min, ... later), all in vain.
      expect(Math.max(...duringOutage.map((m) => m.attempts))).toBeGreaterThanOrEqual(3);
      expect(duringOutage.every((m) => /ECONNREFUSED/.test(m.last_error ?? ''))).toBe(true);

      // SMTP comes back where it was; two more checkouts follow, their e-mails go out at once. Of the outage's
      // messages, exactly those whose retry fell due meanwhile go out too; the others wait for their backoff.
      smtp = await startSmtpServer(undefined, { port });
      const backAt = clock.now().getTime();
      clock.advance(20_000);
      await checkout(DRIVERS[0] as (typeof DRIVERS)[number]);
      clock.advance(20_000);
      await checkout(DRIVERS[2] as (typeof DRIVERS)[number]);
      const dueMeanwhile = duringOutage.filter((m) => Date.parse(m.next_attempt_at) <= clock.now().getTime());
      const fresh = await db
        .selectFrom('notification_messages')
        .select('id')
        .where('channel', '=', 'email')
        .where('created_at', '>', new Date(backAt).toISOString())
        .execute();
      expect(fresh).toHaveLength(2);
      expect(smtp.mails.map((m) => m.messageId).sort()).toEqual(
        [...fresh, ...dueMeanwhile].map((m) => emailMessageId(m.id)).sort(),
      );
      const waiting = await db
        .selectFrom('notification_messages')
        .select(['id', 'next_attempt_at'])
        .where('channel', '=', 'email')
        .where('status', '=', 'pending')
        .execute();
      expect(waiting).toHaveLength(12 - dueMeanwhile.length);
      expect(waiting.every((m) => Date.parse(m.next_attempt_at) > clock.now().getTime())).toBe(true);

      // The sender's timer: every 30 s of simulated time, until nothing is left (at most an hour).
      for (let step = 0; step < 120; step++) {
        const left = await db
          .selectFrom('notification_messages')
          .select('id')
          .where('status', '!=', 'sent')
          .execute();
        if (left.length === 0) break;
        clock.advance(STEP_MS);
        await settle();
      }

      const rows = await db.selectFrom('notification_messages').selectAll().execute();
      const emails = rows.filter((m) => m.channel === 'email');
      expect(emails).toHaveLength(14);
      expect(rows.filter((m) => m.status !== 'sent')).toEqual([]);
      expect(rows.filter((m) => m.channel === 'sms')).toHaveLength(14);
      expect(sms.requests).toHaveLength(14);

      // Exactly once: one mail per Message-ID, as many mails as e-mail rows, each to the row's address.
      const mails = smtp.mails;
      const byMessageId = new Map<string, ParsedMail[]>();
      for (const mail of mails) {
        byMessageId.set(mail.messageId ?? '', [...(byMessageId.get(mail.messageId ?? '') ?? []), mail]);
      }
      expect([...byMessageId.values()].filter((copies) => copies.length !== 1)).toEqual([]);
      expect(mails).toHaveLength(emails.length);
      for (const row of emails) {
        const [mail] = byMessageId.get(emailMessageId(row.id)) ?? [];
        expect(mail, `mail of message ${row.id}`).toBeDefined();
        expect(mail?.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe(row.address);
        expect(mail?.subject).toBe(row.subject);
      }
      // Every driver's supervisor heard of every after-hours removal: Chen of Ruiz's 5 and Novak's 4, Okafor of
      // Chen's 5.
      expect(emails.every((m) => m.rule_id === 'after-hours-removal')).toBe(true);
      const to = (address: string) =>
        mails.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === address);
      expect(to('m.chen@riverside.example')).toHaveLength(9);
      expect(to('g.okafor@riverside.example')).toHaveLength(5);

      // The audit log has every failure and every send: per message, failures for attempts 1..n-1 (each with
      // the refused connection and a next attempt that was respected), then one `notification.sent`.
      const entries = await auditRows(db, ['notification.failed', 'notification.sent', 'notification.dead']);
      expect(entries.filter((e) => e.type === 'notification.dead')).toEqual([]);
      let failures = 0;
      for (const row of emails) {
        const own = entries.filter((e) => e.data.message === row.id);
        const failed = own.filter((e) => e.type === 'notification.failed');
        const sent = own.filter((e) => e.type === 'notification.sent');
        expect(sent.map((e) => e.data.attempt)).toEqual([row.attempts]);
        expect(failed.map((e) => e.data.attempt)).toEqual(
          Array.from({ length: row.attempts - 1 }, (_, i) => i + 1),
        );
        for (const failure of failed) expect(failure.data.error).toMatch(/ECONNREFUSED/);
        failures += failed.length;
        if (Date.parse(row.created_at) < backAt) expect(failed.length).toBeGreaterThanOrEqual(1);
        else expect(failed).toEqual([]);
      }
      expect(failures).toBeGreaterThanOrEqual(12 * 2);
      // Each retry came no earlier than the failure before it said it would.
      const auditAt = await db
        .selectFrom('audit_entries')
        .select(['seq', 'at'])
        .where('type', 'in', ['notification.failed', 'notification.sent'])
        .execute();
      const atOf = new Map(auditAt.map((e) => [e.seq, Date.parse(e.at)]));
      for (const row of emails) {
        const own = entries.filter((e) => e.data.message === row.id);
        for (let i = 1; i < own.length; i++) {
          const promised = Date.parse(String((own[i - 1] as (typeof own)[number]).data.nextAttemptAt));
          expect(atOf.get((own[i] as (typeof own)[number]).seq)).toBeGreaterThanOrEqual(promised);
        }
      }
    }, 30_000);
  });
}
