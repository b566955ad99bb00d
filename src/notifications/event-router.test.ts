/**
 * The event router on a real database: outbox events become the policy's messages (content, filters,
 * recipients skipped), nothing twice, escalation until acknowledged, consequences of denials, and the
 * whole way to an in-process SMTP server through the sender.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditRows } from '../credentials/credentials.testing.js';
import { KeywardenError } from '../domain/errors.js';
import { testDialects } from '../store/test-databases.js';
import { acknowledgeByLink, acknowledgeEvent } from './acknowledgements.service.js';
import { setSmtpSettings } from './channel-settings.js';
import { EventRouter } from './event-router.js';
import { NotificationSender } from './notification-sender.js';
import { startSmtpServer } from './notifications.testing.js';
import {
  createRulesTestBed,
  type RulesTestBed,
  WEDNESDAY_MORNING,
  WEDNESDAY_NIGHT,
} from './notifications-rules.testing.js';
import { enqueueOutboxEvent } from './outbox.js';
import { listenForWakes } from './wake-listener.js';

const MINUTE = 60_000;
const ackTokenIn = (text: string) => /\/ack\/(kwa_[\w-]+)/.exec(text)?.[1] as string;

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(KeywardenError);
  expect((error as KeywardenError).code).toBe(code);
}

for (const dialect of await testDialects()) {
  describe(`event router (${dialect})`, () => {
    let bed: RulesTestBed;

    beforeEach(async () => {
      bed = await createRulesTestBed(dialect);
    });
    afterEach(async () => {
      await bed.drop();
    });

    const nightCheckout = () => {
      bed.clock.set(WEDNESDAY_NIGHT);
      return bed.take({
        person: 'p-ruiz',
        key: 'car-101',
        factors: ['pin', 'fingerprint'],
        reason: 'vehicle-swap',
      });
    };

    it('tells the supervisor of an after-hours checkout of a restricted key: who, key, where, local time, why', async () => {
      const event = await nightCheckout();
      expect(await bed.router.runOnce()).toMatchObject({ events: 5 }); // four policy changes, the checkout
      const messages = await bed.messages(event);
      expect(messages.map((m) => `${m.channel} ${m.address}`).sort()).toEqual([
        'email d.ruiz@riverside.example',
        'email m.chen@riverside.example',
        'sms +15125550101',
        'sms +15125550102',
      ]);
      const mail = messages.find((m) => m.address === 'm.chen@riverside.example');
      expect(mail).toMatchObject({
        event_type: 'checkout',
        rule_id: 'after-hours-removal',
        recipient_person_id: 'p-chen',
        status: 'pending',
        idempotency_key: `${event}/after-hours-removal/0/email/m.chen@riverside.example`,
      });
      expect(mail?.subject).toBe(
        'Keywarden: After-hours checkout: Dana Ruiz took Patrol car 101 after hours',
      );
      for (const line of [
        'Who: Dana Ruiz (p-ruiz)',
        'Key: Patrol car 101 (car-101, Patrol vehicles, restricted)',
        'Where: Central lobby cabinet (central-a), slot 1, Central Station',
        'When: Wed 25 Nov 2026 21:30 (America/Chicago), after hours',
        'Why: Fresh patrol vehicle or vehicle swap (vehicle-swap)',
        'Factors: pin, fingerprint',
        'Due back: Thu 26 Nov 2026 09:30 (America/Chicago)',
        `In the console: http://localhost:8080/console/events/${event}`,
      ]) {
        expect(mail?.body_text).toContain(line);
      }
      // Lines without a value are left out: no approver, no witness, no acknowledgement (no escalation).
      expect(mail?.body_text).not.toMatch(/Approved by|Witnessed by|Acknowledge/);
      expect(mail?.body_html).toContain('<th align="left">Why</th><td>Fresh patrol vehicle or vehicle swap');
      const sms = messages.find((m) => m.address === '+15125550101');
      expect(sms?.body_text).toBe(
        'Keywarden: Dana Ruiz took Patrol car 101 after hours, Wed 25 Nov 2026 21:30 America/Chicago\nWhy: Fresh patrol vehicle or vehicle swap',
      );
      expect(sms?.body_html).toBeNull();
      expect(JSON.parse(mail?.payload ?? '{}')).toMatchObject({
        type: 'checkout',
        timestamp: WEDNESDAY_NIGHT,
        data: {
          id: event,
          person: 'p-ruiz',
          personName: 'Dana Ruiz',
          key: 'car-101',
          reason: 'vehicle-swap',
          timezone: 'America/Chicago',
          localTime: 'Wed 25 Nov 2026 21:30',
          afterHours: true,
        },
      });
      const outbox = await bed.db
        .selectFrom('outbox')
        .selectAll()
        .where('id', '=', event)
        .executeTakeFirstOrThrow();
      expect(outbox).toMatchObject({ status: 'delivered', delivered_at: WEDNESDAY_NIGHT });
      const [routed] = await auditRows(bed.db, ['notification.routed']);
      expect(routed?.data).toMatchObject({ event, rules: ['after-hours-removal'], messages: 4, skipped: [] });
    });

    it('leaves out what the filters exclude: business hours, a normal key, and routes critical keys any time', async () => {
      bed.clock.set(WEDNESDAY_MORNING);
      const dayCar = await bed.take({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      const evidence = await bed.take({ person: 'p-berg', key: 'evidence-1', factors: ['pin', 'badge'] });
      await bed.router.runOnce(); // now, before the critical key's escalation falls due
      bed.clock.set(WEDNESDAY_NIGHT);
      const boiler = await bed.take({
        person: 'p-haddad',
        key: 'boiler-room',
        factors: ['pin', 'badge'],
        reason: 'emergency-repair',
        approver: 'p-okafor',
      });
      await bed.router.runOnce();
      expect(await bed.messages(dayCar)).toEqual([]);
      expect(await bed.messages(boiler)).toEqual([]);
      const critical = (await bed.messages(evidence)).filter((m) => m.idempotency_key.includes('/0/'));
      expect(critical.map((m) => `${m.rule_id} ${m.channel} ${m.address}`)).toEqual([
        'critical-key-any-time email g.okafor@riverside.example',
        'critical-key-any-time sms +15125550100',
      ]);
      const pending = await bed.db
        .selectFrom('outbox')
        .select('id')
        .where('status', '=', 'pending')
        .execute();
      expect(pending).toEqual([]);
    });

    it('writes nothing twice when it routes the same events again (a crash before marking them)', async () => {
      const event = await nightCheckout();
      await bed.router.runOnce();
      const before = await bed.messages();
      await bed.db.updateTable('outbox').set({ status: 'pending', delivered_at: null }).execute();
      expect((await bed.router.runOnce()).events).toBe(5);
      const after = await bed.messages();
      expect(after.map((m) => m.id)).toEqual(before.map((m) => m.id));
      expect(after.filter((m) => m.event_id === event)).toHaveLength(4);
    });

    it('escalates at each interval until someone acknowledges, then stops; a link works once', async () => {
      bed.clock.set(WEDNESDAY_MORNING);
      const event = await bed.take({ person: 'p-berg', key: 'evidence-1', factors: ['pin', 'badge'] });
      await bed.router.runOnce();
      const first = await bed.messages(event);
      expect(first).toHaveLength(2);
      expect(first[0]?.body_text).toContain('Acknowledge: http://localhost:8080/ack/kwa_');
      const tokens = await bed.db.selectFrom('notification_ack_tokens').selectAll().execute();
      expect(tokens).toHaveLength(1);
      expect(tokens[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(first[0]?.body_text).not.toContain(tokens[0]?.token_hash);

      bed.clock.advance(14 * MINUTE);
      expect((await bed.router.runOnce()).escalations).toBe(0);
      bed.clock.advance(1 * MINUTE);
      expect((await bed.router.runOnce()).escalations).toBe(1);
      const second = (await bed.messages(event)).filter((m) => m.idempotency_key.includes('/1/'));
      expect(second.map((m) => `${m.channel} ${m.address}`)).toEqual([
        'email g.okafor@riverside.example',
        'sms +15125550100',
      ]);
      expect(second[0]?.body_text).toContain('Not acknowledged yet: escalation 1 of 3 (every 15m).');
      bed.clock.advance(15 * MINUTE);
      expect((await bed.router.runOnce()).escalations).toBe(1);

      const token = ackTokenIn(second[0]?.body_text ?? '');
      bed.clock.advance(2 * MINUTE);
      const ack = await bed.db.transaction().execute((trx) => acknowledgeByLink(trx, bed.context, token));
      expect(ack).toMatchObject({ event, acknowledgedBy: 'p-okafor', via: 'link', already: false });
      await expectCode(
        bed.db.transaction().execute((trx) => acknowledgeByLink(trx, bed.context, token)),
        'ack_link_used',
      );
      await expectCode(
        bed.db.transaction().execute((trx) => acknowledgeByLink(trx, bed.context, 'kwa_not-a-real-token')),
        'ack_link_invalid',
      );
      // Another recipient's link, or the console, after that: the first acknowledgement stands.
      const other = ackTokenIn(first[0]?.body_text ?? '');
      expect(
        await bed.db.transaction().execute((trx) => acknowledgeByLink(trx, bed.context, other)),
      ).toMatchObject({ acknowledgedBy: 'p-okafor', already: true });
      expect(
        await bed.db
          .transaction()
          .execute((trx) => acknowledgeEvent(trx, bed.context, { event, by: 'p-chen', via: 'console' })),
      ).toMatchObject({ acknowledgedBy: 'p-okafor', via: 'link', already: true });

      const count = (await bed.messages(event)).length;
      bed.clock.advance(60 * MINUTE);
      expect((await bed.router.runOnce()).escalations).toBe(0);
      expect(await bed.messages(event)).toHaveLength(count);
      const escalation = await bed.db
        .selectFrom('notification_escalations')
        .selectAll()
        .executeTakeFirstOrThrow();
      expect(escalation).toMatchObject({ status: 'acknowledged', step: 2, next_at: null });
      const acknowledged = await auditRows(bed.db, ['notification.acknowledged']);
      expect(acknowledged).toHaveLength(1);
      expect(acknowledged[0]).toMatchObject({
        actor: 'p-okafor',
        data: { event, by: 'p-okafor', via: 'link', escalationsStopped: 1 },
      });
      expect(await auditRows(bed.db, ['notification.escalated'])).toHaveLength(2);
    });

    it('stops escalating after the last step when nobody acknowledges', async () => {
      bed.clock.set(WEDNESDAY_MORNING);
      await bed.take({ person: 'p-berg', key: 'evidence-1', factors: ['pin', 'badge'] });
      await bed.router.runOnce();
      for (let i = 0; i < 6; i += 1) {
        bed.clock.advance(15 * MINUTE);
        await bed.router.runOnce();
      }
      const escalation = await bed.db
        .selectFrom('notification_escalations')
        .selectAll()
        .executeTakeFirstOrThrow();
      expect(escalation).toMatchObject({ status: 'exhausted', step: 3, next_at: null });
    });

    it('locks a person and tells their supervisor after three denials within ten minutes, once', async () => {
      bed.clock.set(WEDNESDAY_MORNING);
      const attempt = () => bed.refuse({ person: 'p-ruiz', key: 'armory-main', factors: ['pin'] });
      await attempt();
      bed.clock.advance(4 * MINUTE);
      await attempt();
      await bed.router.runOnce();
      expect(await bed.db.selectFrom('factor_lockouts').selectAll().execute()).toEqual([]);

      bed.clock.advance(4 * MINUTE);
      await attempt();
      const third = bed.clock.now().getTime();
      await bed.router.runOnce();
      const lock = await bed.db
        .selectFrom('factor_lockouts')
        .selectAll()
        .where('person_id', '=', 'p-ruiz')
        .executeTakeFirstOrThrow();
      expect(lock.locked_until).toBe(new Date(third + 30 * MINUTE).toISOString());
      const told = (await bed.messages()).filter((m) => m.rule_id === 'consequence:0');
      expect(told.map((m) => `${m.channel} ${m.address}`)).toEqual([
        'email m.chen@riverside.example',
        'in-app p-chen',
      ]);
      expect(told[0]?.body_text).toContain('Who: Dana Ruiz (p-ruiz)');
      expect(told[0]?.body_text).toContain('Key: Armory main door (armory-main, Armory, critical)');
      const [applied] = await auditRows(bed.db, ['consequence.applied']);
      expect(applied).toMatchObject({ person: 'p-ruiz', data: { consequence: 0, on: 'denied' } });
      expect(await auditRows(bed.db, ['auth.policy-lock'])).toHaveLength(1);

      // A fourth denial in the same window does not lock a second time.
      bed.clock.advance(1 * MINUTE);
      await bed.db.transaction().execute((trx) =>
        enqueueOutboxEvent(trx, {
          eventType: 'denied',
          at: bed.clock.now().toISOString(),
          payload: { person: 'p-ruiz', key: 'armory-main', cabinet: 'central-b' },
        }),
      );
      await bed.router.runOnce();
      expect(await auditRows(bed.db, ['auth.policy-lock'])).toHaveLength(1);
    });

    it('records each recipient skipped for want of an address', async () => {
      bed.clock.set(WEDNESDAY_NIGHT);
      const event = await bed.take({
        person: 'p-novak',
        key: 'car-102',
        factors: ['pin', 'badge'],
        reason: 'incident-response',
      });
      await bed.router.runOnce();
      expect((await bed.messages(event)).map((m) => `${m.channel} ${m.address}`).sort()).toEqual([
        'email i.novak@riverside.example',
        'email m.chen@riverside.example',
        'sms +15125550101',
      ]);
      const [routed] = await auditRows(bed.db, ['notification.routed']);
      expect(routed?.data.skipped).toEqual([
        { spec: 'person', person: 'p-novak', reason: 'no phone number', rule: 'after-hours-removal' },
      ]);
    });

    it('marks events no rule is for as done, and writes nothing for them', async () => {
      const id = await bed.db.transaction().execute((trx) =>
        enqueueOutboxEvent(trx, {
          eventType: 'return',
          at: WEDNESDAY_MORNING,
          payload: { key: 'car-101' },
        }),
      );
      await bed.router.runOnce();
      const row = await bed.db
        .selectFrom('outbox')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('delivered');
      expect(await bed.messages(id)).toEqual([]);
      expect(await auditRows(bed.db, ['notification.routed'])).toEqual([]);
    });

    it('is woken by the commit of an event, not by its slow poll', async () => {
      // On PostgreSQL the wake is a NOTIFY, heard by the listener `serve` runs; on SQLite it is in-process.
      const listener = dialect === 'postgres' ? listenForWakes(bed.database.url) : null;
      await listener?.ready;
      const router = new EventRouter(bed.db, bed.context, { pollMs: 60_000 });
      router.start();
      try {
        await new Promise((resolve) => setTimeout(resolve, 300)); // the start-up run is done
        const started = Date.now();
        const event = await nightCheckout();
        while ((await bed.messages(event)).length < 4 && Date.now() - started < 5000) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(await bed.messages(event)).toHaveLength(4);
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await router.stop();
        await listener?.close();
      }
    });

    it('sets aside an event it cannot route, retries it later, and goes on with the others', async () => {
      bed.clock.set(WEDNESDAY_NIGHT);
      await bed.db
        .insertInto('outbox')
        .values({
          id: 'broken-event',
          idempotency_key: 'broken-event',
          event_type: 'checkout',
          payload: '{not json',
          status: 'pending',
          available_at: '2026-11-26T00:00:00.000Z',
          created_at: '2026-11-26T00:00:00.000Z',
          delivered_at: null,
          last_error: null,
        })
        .execute();
      const event = await nightCheckout();
      const errors: unknown[] = [];
      const router = new EventRouter(bed.db, bed.context, { onError: (error) => errors.push(error) });
      expect((await router.runOnce()).events).toBe(5);
      expect(errors).toHaveLength(1);
      expect(await bed.messages(event)).toHaveLength(4);
      const broken = await bed.db
        .selectFrom('outbox')
        .selectAll()
        .where('id', '=', 'broken-event')
        .executeTakeFirstOrThrow();
      expect(broken).toMatchObject({
        status: 'pending',
        attempts: 1,
        available_at: '2026-11-26T03:30:30.000Z',
      });
      expect(broken.last_error).toMatch(/JSON/);
    });

    it("gives each approver their own approval link, and no one else's", async () => {
      bed.clock.set(WEDNESDAY_NIGHT);
      const id = await bed.db.transaction().execute((trx) =>
        enqueueOutboxEvent(trx, {
          eventType: 'approval-requested',
          at: WEDNESDAY_NIGHT,
          payload: {
            person: 'p-haddad',
            key: 'boiler-room',
            cabinet: 'central-a',
            reason: 'emergency-repair',
            links: { 'p-okafor': 'http://localhost:8080/approve/secret-okafor' },
          },
        }),
      );
      await bed.router.runOnce();
      const messages = await bed.messages(id);
      expect(messages.map((m) => m.address)).toEqual([
        'g.okafor@riverside.example',
        'm.chen@riverside.example',
      ]);
      expect(messages[0]?.body_text).toContain(
        'Approve or deny: http://localhost:8080/approve/secret-okafor',
      );
      expect(messages[1]?.body_text).not.toContain('secret-okafor');
      expect(messages.every((m) => !m.payload.includes('secret-okafor'))).toBe(true);
    });

    it.runIf(dialect === 'postgres')(
      'shares events between two routers without routing one twice',
      async () => {
        bed.clock.set(WEDNESDAY_NIGHT);
        const cars = ['car-101', 'car-102', 'car-103'] as const;
        const people = ['p-ruiz', 'p-novak', 'p-chen'] as const;
        for (const [index, key] of cars.entries()) {
          await bed.take({
            person: people[index] as string,
            key,
            factors: ['pin', 'badge'],
            reason: 'vehicle-swap',
          });
        }
        const other = new EventRouter(bed.db, bed.context);
        const [a, b] = await Promise.all([bed.router.runOnce(), other.runOnce()]);
        expect(a.events + b.events).toBe(7); // four policy changes, three checkouts
        const routed = await auditRows(bed.db, ['notification.routed']);
        expect(new Set(routed.map((row) => row.data.event)).size).toBe(routed.length);
        expect(routed).toHaveLength(3);
      },
    );

    it('reaches an in-process SMTP server through the sender: subject, text and HTML', async () => {
      const smtp = await startSmtpServer();
      try {
        await bed.db
          .transaction()
          .execute((trx) =>
            setSmtpSettings(
              trx,
              bed.context,
              { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'keywarden@riverside.example' },
              'p-okafor',
            ),
          );
        const event = await nightCheckout();
        await bed.router.runOnce();
        // Only the e-mail to the supervisor is due for this test: the rest waits.
        await bed.db
          .updateTable('notification_messages')
          .set({ next_attempt_at: '2099-01-01T00:00:00.000Z' })
          .where('address', '!=', 'm.chen@riverside.example')
          .execute();
        const sender = new NotificationSender(bed.db, bed.context, { random: () => 0.5 });
        try {
          expect(await sender.runDueNow()).toMatchObject({ sent: 1 });
        } finally {
          await sender.close();
        }
        const [mail] = await smtp.waitFor(1);
        expect(mail?.to).toMatchObject({ text: 'm.chen@riverside.example' });
        expect(mail?.subject).toBe(
          'Keywarden: After-hours checkout: Dana Ruiz took Patrol car 101 after hours',
        );
        expect(mail?.text).toContain('Who: Dana Ruiz (p-ruiz)');
        expect(mail?.text).toContain('Why: Fresh patrol vehicle or vehicle swap (vehicle-swap)');
        expect(mail?.text).toContain('When: Wed 25 Nov 2026 21:30 (America/Chicago), after hours');
        expect(mail?.html).toContain(`href="http://localhost:8080/console/events/${event}"`);
      } finally {
        await smtp.close();
      }
    });
  });
}
