/**
 * Issue 5, "Done when": running the Riverside demo with a local SMTP server shows the supervisor's e-mail for
 * every after-hours removal, overdue keys escalate, three denied attempts lock a person and notify their
 * supervisor.
 *
 * SMTP is configured to an in-process server (smtp-server) before the demo; runDemo then plays four days of
 * traffic through the real services with the router, overdue scheduler and sender in simulated time, and the
 * test reads the mails that arrived. The demo plans no burst of three denials by one person, so after it the
 * test drives three through recordCheckout, as a cabinet would, and runs the router and sender.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { recordCheckout } from '../checkouts/checkouts.service.js';
import { lockoutStatus } from '../credentials/factor-lockouts.js';
import { SecretBox } from '../credentials/secret-box.js';
import { InProcessLiveEvents } from '../live/live-events.js';
import { setSmtpSettings } from '../notifications/channel-settings.js';
import { emailMessageId } from '../notifications/channels/email-channel.js';
import { EventRouter } from '../notifications/event-router.js';
import { NotificationSender } from '../notifications/notification-sender.js';
import { startSmtpServer, type TestSmtpServer } from '../notifications/notifications.testing.js';
import { ActivePolicyCache } from '../policy/active-policy.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { TestClock } from '../testing/service-context.js';
import { runDemo } from './run-demo.js';

/** Friday 2026-11-27, 09:00 in Riverside. */
const END = new Date('2026-11-27T15:00:00Z');
const DAYS = 4;
/** A seed whose four days include a key kept more than 2 h past its due time (the incident consequence). */
const SEED = 24;
const HOUR = 3_600_000;
/** Indexes of the Riverside example's consequences (`consequence:<n>` messages). */
const DENIALS_CONSEQUENCE = 0;
const OVERDUE_CONSEQUENCE = 1;

for (const dialect of await testDialects()) {
  describe(`the Riverside demo with a local SMTP server on ${dialect}`, () => {
    let database: TestDatabase;
    let smtp: TestSmtpServer;
    let dir: string;

    afterEach(async () => {
      await smtp.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('e-mails supervisors of after-hours removals, escalates overdue keys, locks after three denials', async () => {
      database = await createTestDatabase(dialect, { synchronous: 'normal' });
      const db = database.store.db;
      dir = mkdtempSync(join(tmpdir(), 'keywarden-demo-mail-'));
      smtp = await startSmtpServer();
      // Configured a week before the demo's first day, so the audit log stays in time order.
      const clock = new TestClock(END.getTime() - (DAYS + 2) * 24 * HOUR);
      const context = {
        store: database.store,
        audit: new AuditLog({ now: clock.now }),
        policies: new ActivePolicyCache(db),
        now: clock.now,
        secrets: new SecretBox({ path: join(dir, 'secrets.key') }),
        live: new InProcessLiveEvents(),
        publicUrl: 'http://localhost:8080',
      };
      await db
        .transaction()
        .execute((trx) =>
          setSmtpSettings(
            trx,
            context,
            { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'keys@riverside.example' },
            'p-okafor',
          ),
        );
      clock.set(END.toISOString());
      await runDemo(context, { days: DAYS, seed: SEED, end: END });

      const { policy } = await context.policies.get();
      const person = (id: string | null) => policy.people.find((p) => p.id === id);
      const keyLabel = (id: string) => policy.keys.find((k) => k.id === id)?.label ?? id;
      const reasonLabel = (id: string | null) => policy.reasons.find((r) => r.id === id)?.label ?? id;
      const mailOf = (messageId: string): ParsedMail[] =>
        smtp.mails.filter((mail) => mail.messageId === emailMessageId(messageId));
      /** The e-mail rows one event's rule wrote, each sent and arrived exactly once; with the mail's text. */
      const emailsFor = async (event: string, rule: string) => {
        const rows = await db
          .selectFrom('notification_messages')
          .selectAll()
          .where('event_id', '=', event)
          .where('rule_id', '=', rule)
          .where('channel', '=', 'email')
          .execute();
        return rows.map((row) => {
          const mails = mailOf(row.id);
          expect(row.status, `message ${row.id} (${rule})`).toBe('sent');
          expect(mails, `mail of message ${row.id} (${rule})`).toHaveLength(1);
          return { to: row.address, text: mails[0]?.text ?? '', subject: mails[0]?.subject ?? '' };
        });
      };
      const eventId = async (idempotencyKey: string) =>
        (
          await db
            .selectFrom('outbox')
            .select('id')
            .where('idempotency_key', '=', idempotencyKey)
            .executeTakeFirstOrThrow()
        ).id;

      // Every after-hours removal: one e-mail to the person's supervisor naming the person, the key and the reason.
      const checkouts = await db.selectFrom('checkouts').selectAll().orderBy('taken_at').execute();
      const afterHours = checkouts.filter((c) => c.after_hours === 1);
      expect(afterHours.length).toBeGreaterThan(3);
      for (const checkout of afterHours) {
        const taker = person(checkout.person_id);
        const supervisor = person(taker?.supervisor ?? null);
        expect(supervisor?.email, `${checkout.person_id} has a supervisor with e-mail`).toBeTruthy();
        const emails = await emailsFor(await eventId(`checkout-${checkout.id}`), 'after-hours-removal');
        expect(emails.map((e) => e.to)).toEqual([supervisor?.email]);
        const text = emails[0]?.text ?? '';
        expect(text).toContain(taker?.name);
        expect(text).toContain(keyLabel(checkout.key_id));
        expect(text).toContain(reasonLabel(checkout.reason));
      }

      // Overdue keys: each late checkout raised its overdue event, e-mailed to the holder and their supervisor;
      // one still out 2 h past due opened an incident and the watch commander was told; the others did not.
      const overdueFor = (c: (typeof checkouts)[number]) =>
        c.due_at === null ? 0 : Date.parse(c.returned_at ?? END.toISOString()) - Date.parse(c.due_at);
      const late = checkouts.filter((c) => overdueFor(c) > 0);
      expect(late.length).toBeGreaterThan(0);
      const incidents = await db.selectFrom('incidents').selectAll().execute();
      const watchCommander = policy.people.find((p) => p.roles.includes('watch-commander'));
      let escalated = 0;
      for (const checkout of late) {
        const taker = person(checkout.person_id);
        const event = await eventId(`overdue-${checkout.id}`);
        const told = await emailsFor(event, 'overdue');
        expect(told.map((e) => e.to).sort()).toEqual(
          [taker?.email, person(taker?.supervisor ?? null)?.email].filter(Boolean).sort(),
        );
        expect(told.every((e) => e.text.includes(keyLabel(checkout.key_id)))).toBe(true);
        const opened = incidents.filter((i) => i.checkout_id === checkout.id);
        const commanderMails = await emailsFor(event, `consequence:${OVERDUE_CONSEQUENCE}`);
        if (overdueFor(checkout) >= 2 * HOUR) {
          escalated++;
          expect(opened).toHaveLength(1);
          expect(opened[0]).toMatchObject({
            kind: 'overdue',
            person_id: checkout.person_id,
            key_id: checkout.key_id,
          });
          expect(commanderMails.map((e) => e.to)).toEqual([watchCommander?.email]);
          expect(commanderMails[0]?.text).toContain(taker?.name);
          expect(commanderMails[0]?.text).toContain(keyLabel(checkout.key_id));
        } else {
          expect(opened).toEqual([]);
          expect(commanderMails).toEqual([]);
        }
      }
      expect(
        escalated,
        'no key stayed out 2 h past due: the demo plan changed, pick another SEED',
      ).toBeGreaterThan(0);
      const overdueMarks = await db
        .selectFrom('audit_entries')
        .select('seq')
        .where('type', '=', 'checkout.overdue')
        .execute();
      expect(overdueMarks).toHaveLength(late.length);

      // Three denials within ten minutes (an officer at the armory, as a cabinet would report them): the third
      // locks Novak for 30 minutes and e-mails his supervisor; the first two do neither.
      const router = new EventRouter(db, context);
      const sender = new NotificationSender(db, context);
      const deny = async () => {
        const outcome = await db.transaction().execute((trx) =>
          recordCheckout(trx, context, {
            person: 'p-novak',
            key: 'armory-main',
            factors: ['badge', 'pin'],
          }),
        );
        expect(outcome.ok).toBe(false);
        await router.runOnce();
        await sender.runDueNow();
      };
      const denialsBefore = await db
        .selectFrom('consequence_firings')
        .select('firing_key')
        .where('consequence', '=', DENIALS_CONSEQUENCE)
        .execute();
      clock.advance(60_000);
      await deny();
      clock.advance(4 * 60_000);
      await deny();
      expect((await lockoutStatus(db, 'p-novak', clock.now())).locked).toBe(false);
      const mailsBeforeThird = smtp.mails.length;
      clock.advance(4 * 60_000);
      const third = clock.now().getTime();
      await deny();
      const status = await lockoutStatus(db, 'p-novak', clock.now());
      expect(status.locked).toBe(true);
      expect(status.lockedUntil).toBe(new Date(third + 30 * 60_000).toISOString());
      const firings = await db
        .selectFrom('consequence_firings')
        .selectAll()
        .where('consequence', '=', DENIALS_CONSEQUENCE)
        .execute();
      expect(firings).toHaveLength(denialsBefore.length + 1);
      const firing = firings.find((f) => !denialsBefore.some((d) => d.firing_key === f.firing_key));
      const supervisorMails = await emailsFor(firing?.event_id ?? '', `consequence:${DENIALS_CONSEQUENCE}`);
      expect(supervisorMails.map((e) => e.to)).toEqual(['m.chen@riverside.example']);
      expect(supervisorMails[0]?.text).toContain('Ivan Novak');
      expect(supervisorMails[0]?.text).toContain('Armory main door');
      expect(smtp.mails.length).toBeGreaterThan(mailsBeforeThird);
      await sender.close();
    }, 60_000);
  });
}
