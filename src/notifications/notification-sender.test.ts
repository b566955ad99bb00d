/**
 * The sender against real parts on both dialects: an in-process SMTP server, a local HTTP server as the SMS
 * provider and as a webhook receiver; retries with growing delays until the dead letter and an admin's
 * retry; a crash after the claim; two processes sharing the work on PostgreSQL.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditRows, auditText } from '../credentials/credentials.testing.js';
import { MAX_ATTEMPTS } from '../domain/notifications/delivery-policy.js';
import { InProcessLiveEvents } from '../live/live-events.js';
import { openStore } from '../store/database.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { addWebhookEndpoint, setSmsSettings, setSmtpSettings } from './channel-settings.js';
import { retryDeadMessage } from './notification-messages.js';
import { NotificationSender } from './notification-sender.js';
import {
  insertMessage,
  newSenderTestContext,
  startHttpReceiver,
  startSmtpServer,
  type TestHttpReceiver,
  type TestSmtpServer,
} from './notifications.testing.js';
import { WAKE_CHANNELS, wakeOnCommit } from './wake.js';
import { listenForWakes } from './wake-listener.js';

const SMTP_PASSWORD = 'smtp-pass-Zq81-never-shown';
const SMS_TOKEN = 'sms-token-Kp27-never-shown';

for (const dialect of await testDialects()) {
  describe(`notification sender on ${dialect}`, () => {
    let database: TestDatabase;
    let smtp: TestSmtpServer;
    let http: TestHttpReceiver;
    let context: ReturnType<typeof newSenderTestContext>;
    let sender: NotificationSender;
    let webhookSecret: string;
    let endpoint: string;

    const db = () => database.store.db;
    const row = (id: string) =>
      db().selectFrom('notification_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    beforeAll(async () => {
      database = await createTestDatabase(dialect, { synchronous: 'normal' });
      smtp = await startSmtpServer({ user: 'keywarden', password: SMTP_PASSWORD });
      http = await startHttpReceiver();
      context = newSenderTestContext();
      sender = new NotificationSender(db(), context, { random: () => 0.5 });
      await db()
        .transaction()
        .execute(async (trx) => {
          await setSmtpSettings(
            trx,
            context,
            {
              host: '127.0.0.1',
              port: smtp.port,
              security: 'none',
              user: 'keywarden',
              password: SMTP_PASSWORD,
              from: 'keywarden@riverside.example',
            },
            'p-okafor',
          );
          await setSmsSettings(
            trx,
            context,
            {
              baseUrl: `${http.url}/`,
              accountSid: 'AC0123456789',
              authToken: SMS_TOKEN,
              from: '+15550001111',
            },
            'p-okafor',
          );
          const added = await addWebhookEndpoint(
            trx,
            context,
            { url: `${http.url}/hooks`, description: 'dispatch desk', eventTypes: ['checkout', 'overdue'] },
            'p-okafor',
          );
          webhookSecret = added.secret;
          endpoint = added.endpoint.id;
        });
    });

    afterAll(async () => {
      await sender.close();
      await smtp.close();
      await http.close();
      await database.drop();
      context.dispose();
    });

    beforeEach(() => {
      http.requests.length = 0;
      http.delayMs = 0;
      http.respondWith(204);
    });

    it('sends an e-mail with subject, text and HTML bodies and the message id as Message-ID', async () => {
      const id = await insertMessage(db(), context.clock, {
        channel: 'email',
        address: 'chen@riverside.example',
        subject: 'After-hours removal: car-101',
        text: 'p-ruiz took car-101 at 02:30.',
        html: '<p><strong>p-ruiz</strong> took car-101 at 02:30.</p>',
        person: 'p-chen',
      });
      const before = smtp.mails.length;
      expect(await sender.runDueNow()).toEqual({ sent: 1, retried: 0, dead: 0, held: 0 });
      const mail = (await smtp.waitFor(before + 1)).at(-1);
      expect(mail?.subject).toBe('After-hours removal: car-101');
      expect(mail?.text?.trim()).toBe('p-ruiz took car-101 at 02:30.');
      expect(mail?.html).toContain('<strong>p-ruiz</strong> took car-101');
      expect(mail?.messageId).toBe(`<${id}@keywarden>`);
      expect(mail?.from?.text).toBe('keywarden@riverside.example');
      expect(smtp.logins.at(-1)).toEqual({ user: 'keywarden', password: SMTP_PASSWORD });
      const sent = await row(id);
      expect(sent).toMatchObject({ status: 'sent', attempts: 1, sent_at: context.clock.now().toISOString() });
      const [entry] = (await auditRows(db(), ['notification.sent'])).filter((e) => e.data.message === id);
      expect(entry).toMatchObject({ person: 'p-chen', data: { channel: 'email', attempt: 1 } });
    });

    it('sends an SMS as a form POST with Basic auth and the idempotency token, like Twilio', async () => {
      const id = await insertMessage(db(), context.clock, { channel: 'sms', address: '+15557654321' });
      expect(await sender.runDueNow()).toEqual({ sent: 1, retried: 0, dead: 0, held: 0 });
      const [request] = http.requests;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe('/2010-04-01/Accounts/AC0123456789/Messages.json');
      expect(request?.headers.authorization).toBe(
        `Basic ${Buffer.from(`AC0123456789:${SMS_TOKEN}`).toString('base64')}`,
      );
      expect(request?.headers['i-twilio-idempotency-token']).toBe(id);
      const form = new URLSearchParams(request?.body);
      expect(Object.fromEntries(form)).toEqual({
        To: '+15557654321',
        From: '+15550001111',
        Body: 'p-ruiz took car-101 at 02:30 (vehicle-swap).',
      });
      expect((await row(id)).status).toBe('sent');
    });

    it('signs webhooks per Standard Webhooks with the message id as webhook-id', async () => {
      const id = await insertMessage(db(), context.clock, {
        channel: 'webhook',
        address: endpoint,
        eventType: 'checkout',
        data: { key: 'car-101', person: 'p-ruiz' },
      });
      expect(await sender.runDueNow()).toEqual({ sent: 1, retried: 0, dead: 0, held: 0 });
      const [request] = http.requests;
      expect(request?.url).toBe('/hooks');
      expect(request?.headers['webhook-id']).toBe(id);
      const verified = new Webhook(webhookSecret).verify(request?.body ?? '', {
        'webhook-id': String(request?.headers['webhook-id']),
        'webhook-timestamp': String(request?.headers['webhook-timestamp']),
        'webhook-signature': String(request?.headers['webhook-signature']),
      });
      expect(verified).toMatchObject({ type: 'checkout', data: { key: 'car-101', person: 'p-ruiz' } });
      // A wrong secret does not verify.
      expect(() =>
        new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(request?.body ?? '', {
          'webhook-id': String(request?.headers['webhook-id']),
          'webhook-timestamp': String(request?.headers['webhook-timestamp']),
          'webhook-signature': String(request?.headers['webhook-signature']),
        }),
      ).toThrow();
    });

    it('delivers an in-app message by marking it sent and publishing a hint on inbox:<person>', async () => {
      const hints: unknown[] = [];
      const stop = context.live.subscribe('inbox:p-ruiz', (data) => hints.push(data));
      const id = await insertMessage(db(), context.clock, {
        channel: 'in-app',
        address: 'p-ruiz',
        person: 'p-ruiz',
      });
      await sender.runDueNow();
      stop();
      expect(hints).toEqual([{ message: id }]);
      expect((await row(id)).status).toBe('sent');
    });

    it('retries a failing endpoint with growing delays, goes dead after the last attempt, and sends after an admin retry', async () => {
      http.respondWith(503);
      const id = await insertMessage(db(), context.clock, {
        channel: 'webhook',
        address: endpoint,
        eventType: 'overdue',
      });
      const delays: number[] = [];
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const summary = await sender.runDueNow();
        const state = await row(id);
        expect(state.attempts).toBe(attempt);
        if (attempt < MAX_ATTEMPTS) {
          expect(summary).toEqual({ sent: 0, retried: 1, dead: 0, held: 0 });
          expect(state.status).toBe('pending');
          const delay = Date.parse(state.next_attempt_at) - context.clock.now().getTime();
          delays.push(delay);
          // Not due before its time.
          context.clock.advance(delay - 1000);
          expect(await sender.runDueNow()).toEqual({ sent: 0, retried: 0, dead: 0, held: 0 });
          context.clock.advance(1000);
        } else {
          expect(summary).toEqual({ sent: 0, retried: 0, dead: 1, held: 0 });
          expect(state.status).toBe('dead');
          expect(state.last_error).toBe(`webhook endpoint ${endpoint} answered HTTP 503`);
        }
      }
      expect(delays).toEqual([30, 60, 120, 240, 480, 960, 1920].map((s) => s * 1000));
      expect(http.requests).toHaveLength(MAX_ATTEMPTS);
      expect(new Set(http.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([id]));
      const entries = (await auditRows(db(), ['notification.failed', 'notification.dead'])).filter(
        (e) => e.data.message === id,
      );
      expect(entries.map((e) => [e.type, e.data.attempt])).toEqual([
        ...[1, 2, 3, 4, 5, 6, 7].map((n) => ['notification.failed', n]),
        ['notification.dead', 8],
      ]);

      // Dead letters wait: nothing happens however long we wait.
      context.clock.advance(24 * 3600_000);
      expect(await sender.runDueNow()).toEqual({ sent: 0, retried: 0, dead: 0, held: 0 });

      http.respondWith(204);
      await db()
        .transaction()
        .execute((trx) => retryDeadMessage(trx, context, id, 'p-okafor'));
      expect(await sender.runDueNow()).toEqual({ sent: 1, retried: 0, dead: 0, held: 0 });
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(http.requests.at(-1)?.headers['webhook-id']).toBe(id);
      const retried = (await auditRows(db(), ['notification.retried'])).find((e) => e.data.message === id);
      expect(retried?.actor).toBe('p-okafor');
    });

    it('treats a 4xx as permanent (dead at once) but retries 429 and 408', async () => {
      http.respondWith(410);
      const gone = await insertMessage(db(), context.clock, { channel: 'webhook', address: endpoint });
      expect(await sender.runDueNow()).toEqual({ sent: 0, retried: 0, dead: 1, held: 0 });
      expect(await row(gone)).toMatchObject({ status: 'dead', attempts: 1 });

      http.respondWith(429);
      const busy = await insertMessage(db(), context.clock, { channel: 'sms', address: '+15557654321' });
      expect(await sender.runDueNow()).toEqual({ sent: 0, retried: 1, dead: 0, held: 0 });
      expect((await row(busy)).status).toBe('pending');
      context.clock.advance(3600_000);
      http.respondWith(204);
      expect(await sender.runDueNow()).toEqual({ sent: 1, retried: 0, dead: 0, held: 0 });
    });

    it('sends nothing to an endpoint that does not subscribe to the event type, or that is gone', async () => {
      const other = await insertMessage(db(), context.clock, {
        channel: 'webhook',
        address: endpoint,
        eventType: 'policy-changed',
      });
      const gone = await insertMessage(db(), context.clock, { channel: 'webhook', address: 'wh-nope' });
      expect(await sender.runDueNow()).toEqual({ sent: 0, retried: 0, dead: 2, held: 0 });
      expect(http.requests).toHaveLength(0);
      expect((await row(other)).last_error).toContain('does not subscribe to policy-changed');
      expect((await row(gone)).last_error).toBe('no webhook endpoint wh-nope');
    });

    it('re-sends with the same Message-ID once the lease of a sender that crashed after claiming runs out', async () => {
      const id = await insertMessage(db(), context.clock, {
        channel: 'email',
        address: 'ruiz@riverside.example',
      });
      const crashed = new NotificationSender(db(), context, { leaseMs: 120_000 });
      expect((await crashed.claimDue(10)).map((r) => r.id)).toEqual([id]);
      // The crashed process never records anything: the row stays claimed until the lease runs out.
      expect(await sender.runDueNow()).toEqual({ sent: 0, retried: 0, dead: 0, held: 0 });
      expect((await row(id)).status).toBe('sending');
      context.clock.advance(120_001);
      const before = smtp.mails.length;
      expect(await sender.runDueNow()).toEqual({ sent: 1, retried: 0, dead: 0, held: 0 });
      const mail = (await smtp.waitFor(before + 1)).at(-1);
      expect(mail?.messageId).toBe(`<${id}@keywarden>`);
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    });

    it('wakes on a committed message without being asked, and stops cleanly', async () => {
      const listener = dialect === 'postgres' ? listenForWakes(database.url) : null;
      await listener?.ready;
      const background = new NotificationSender(db(), context, { safetyPollMs: 600_000 });
      background.start();
      await new Promise((resolve) => setTimeout(resolve, 100)); // the first look finds nothing
      const before = smtp.mails.length;
      const started = Date.now();
      await db()
        .transaction()
        .execute(async (trx) => {
          await insertMessage(trx, context.clock, { channel: 'email', address: 'woken@riverside.example' });
          await wakeOnCommit(trx, WAKE_CHANNELS.messages);
        });
      await smtp.waitFor(before + 1, 3000);
      // Woken, not found by the ten-minute safety poll.
      expect(Date.now() - started).toBeLessThan(3000);
      await background.close();
      await listener?.close();
    });

    it.runIf(dialect === 'postgres')(
      'tells consoles connected to another server process of an in-app delivery, through NOTIFY',
      async () => {
        const otherProcessLive = new InProcessLiveEvents();
        const listener = listenForWakes(database.url, { live: otherProcessLive });
        await listener.ready;
        const hint = new Promise<Record<string, unknown>>((resolve) =>
          otherProcessLive.subscribe('inbox:p-berg', resolve),
        );
        const id = await insertMessage(db(), context.clock, {
          channel: 'in-app',
          address: 'p-berg',
          person: 'p-berg',
        });
        await sender.runDueNow();
        expect(await hint).toEqual({ message: id });
        await listener.close();
      },
    );

    it('puts a message dead at once when the SMTP server refuses the recipient for good', async () => {
      const picky = await startSmtpServer(
        { user: 'keywarden', password: SMTP_PASSWORD },
        { refuse: 'nobody@riverside.example' },
      );
      const own = new NotificationSender(db(), context);
      await db()
        .transaction()
        .execute((trx) =>
          setSmtpSettings(
            trx,
            context,
            {
              host: '127.0.0.1',
              port: picky.port,
              security: 'none',
              user: 'keywarden',
              from: 'keywarden@riverside.example',
            },
            'p-okafor',
          ),
        );
      try {
        const id = await insertMessage(db(), context.clock, {
          channel: 'email',
          address: 'nobody@riverside.example',
        });
        expect(await own.runDueNow()).toEqual({ sent: 0, retried: 0, dead: 1, held: 0 });
        expect((await row(id)).last_error).toContain('550');
      } finally {
        await db()
          .transaction()
          .execute((trx) =>
            setSmtpSettings(
              trx,
              context,
              {
                host: '127.0.0.1',
                port: smtp.port,
                security: 'none',
                user: 'keywarden',
                from: 'keywarden@riverside.example',
              },
              'p-okafor',
            ),
          );
        await picky.close();
      }
    });

    it('never puts a secret in the audit log', async () => {
      const text = await auditText(db());
      expect(text).toContain('notification.smtp-settings-changed');
      for (const secret of [SMTP_PASSWORD, SMS_TOKEN, webhookSecret, webhookSecret.slice(6)]) {
        expect(text).not.toContain(secret);
      }
    });

    it.runIf(dialect === 'postgres')(
      'lets two senders on PostgreSQL claim at once without sending any message twice',
      async () => {
        const ids: string[] = [];
        for (let i = 0; i < 30; i++) {
          ids.push(await insertMessage(db(), context.clock, { channel: 'webhook', address: endpoint }));
        }
        http.delayMs = 15;
        const otherStore = openStore(database.url);
        try {
          const a = new NotificationSender(db(), context, { batchSize: 4, concurrency: 2 });
          const b = new NotificationSender(otherStore.db, context, { batchSize: 4, concurrency: 2 });
          const [sa, sb] = await Promise.all([a.runDueNow(), b.runDueNow()]);
          expect(sa.sent + sb.sent).toBe(30);
          // Both did part of the work.
          expect(sa.sent).toBeGreaterThan(0);
          expect(sb.sent).toBeGreaterThan(0);
        } finally {
          await otherStore.close();
        }
        const arrivals = http.requests.map((r) => String(r.headers['webhook-id']));
        expect(arrivals).toHaveLength(30);
        expect([...new Set(arrivals)].sort()).toEqual([...ids].sort());
      },
    );
  });
}

for (const dialect of await testDialects()) {
  describe(`notification sender on ${dialect}, before any channel is configured`, () => {
    let database: TestDatabase;
    let smtp: TestSmtpServer;
    let context: ReturnType<typeof newSenderTestContext>;

    beforeAll(async () => {
      database = await createTestDatabase(dialect, { synchronous: 'normal' });
      smtp = await startSmtpServer({ user: 'keywarden', password: SMTP_PASSWORD });
      context = newSenderTestContext();
    });

    afterAll(async () => {
      await smtp.close();
      await database.drop();
      context.dispose();
    });

    it('holds e-mail and SMS without spending attempts or auditing failures, and sends once SMTP is set', async () => {
      const db = database.store.db;
      const sender = new NotificationSender(db, context, { random: () => 0.5 });
      const mail = await insertMessage(db, context.clock, {
        channel: 'email',
        address: 'chen@riverside.example',
      });
      const sms = await insertMessage(db, context.clock, { channel: 'sms', address: '+15550002222' });
      expect(await sender.runDueNow()).toEqual({ sent: 0, retried: 0, dead: 0, held: 2 });
      const rows = await db.selectFrom('notification_messages').selectAll().orderBy('id').execute();
      for (const row of rows) {
        expect(row).toMatchObject({ status: 'pending', attempts: 0 });
        expect(row.last_error).toMatch(/^waiting for channel settings: .* not configured$/);
        expect(Date.parse(row.next_attempt_at) - context.clock.now().getTime()).toBe(60 * 60_000);
      }
      expect((await auditRows(db)).filter((entry) => entry.type.startsWith('notification.'))).toEqual([]);

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
            from: 'keywarden@riverside.example',
          },
          'p-okafor',
        ),
      );
      // Released at once, not an hour later; the SMS still waits for its provider (not due for an hour).
      expect(await sender.runDueNow()).toEqual({ sent: 1, retried: 0, dead: 0, held: 0 });
      await smtp.waitFor(1);
      const after = await db
        .selectFrom('notification_messages')
        .select(['id', 'status', 'attempts'])
        .execute();
      expect(after.find((row) => row.id === mail)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(after.find((row) => row.id === sms)).toMatchObject({ status: 'pending', attempts: 0 });
    });
  });
}
