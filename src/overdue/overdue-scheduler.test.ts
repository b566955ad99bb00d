/**
 * The overdue scheduler on a real database, driven by the test clock through tick(): the reminder before
 * the due time, the overdue mark and event once, the policy's overdue notifications and the consequence
 * two hours later; and once with real timers, the 5-second bound.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordReturn } from '../checkouts/checkouts.service.js';
import { auditRows } from '../credentials/credentials.testing.js';
import { getIncident, listIncidents } from '../incidents/incidents.service.js';
import {
  createRulesTestBed,
  type RulesTestBed,
  WEDNESDAY_MORNING,
} from '../notifications/notifications-rules.testing.js';
import { testDialects } from '../store/test-databases.js';
import { OverdueScheduler, reminderLeadFromEnv } from './overdue-scheduler.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('reminderLeadFromEnv', () => {
  it.each([
    [undefined, 15 * MINUTE],
    ['30m', 30 * MINUTE],
    ['1h', HOUR],
    ['0', 0],
  ])('%s -> %i ms', (value, expected) => {
    expect(reminderLeadFromEnv(value === undefined ? {} : { KEYWARDEN_REMINDER_LEAD: value })).toBe(expected);
  });
  it('refuses what is not a duration', () => {
    expect(() => reminderLeadFromEnv({ KEYWARDEN_REMINDER_LEAD: 'soon' })).toThrow(/KEYWARDEN_REMINDER_LEAD/);
  });
});

for (const dialect of await testDialects()) {
  describe(`overdue scheduler (${dialect})`, () => {
    let bed: RulesTestBed;
    let scheduler: OverdueScheduler;

    beforeEach(async () => {
      bed = await createRulesTestBed(dialect);
      scheduler = new OverdueScheduler(bed.db, bed.context, { reminderLeadMs: 15 * MINUTE });
      bed.clock.set(WEDNESDAY_MORNING);
    });
    afterEach(async () => {
      await scheduler.stop();
      await bed.drop();
    });

    it('reminds the holder, marks the checkout overdue once, and opens an incident two hours later', async () => {
      await bed.take({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      const checkout = await bed.db.selectFrom('checkouts').selectAll().executeTakeFirstOrThrow();
      const due = Date.parse(checkout.due_at as string);
      expect(checkout.due_at).toBe('2026-11-26T04:30:00.000Z');
      expect(await scheduler.tick()).toEqual({
        reminders: 0,
        overdue: 0,
        consequences: 0,
        nextAt: due - 15 * MINUTE,
      });

      bed.clock.set(new Date(due - 10 * MINUTE).toISOString());
      expect(await scheduler.tick()).toMatchObject({ reminders: 1, overdue: 0, nextAt: due });
      expect(await scheduler.tick()).toMatchObject({ reminders: 0 });
      const reminders = (await bed.messages()).filter((m) => m.rule_id === 'system:reminder');
      expect(reminders.map((m) => `${m.channel} ${m.address}`)).toEqual([
        'email d.ruiz@riverside.example',
        'in-app p-ruiz',
        'sms +15125550102',
      ]);
      expect(reminders[0]?.subject).toBe(
        'Keywarden: Key due back soon: Patrol car 101 is due back at Wed 25 Nov 2026 22:30 (America/Chicago)',
      );

      bed.clock.set(new Date(due + 1000).toISOString());
      expect(await scheduler.tick()).toMatchObject({ overdue: 1, consequences: 0, nextAt: due + 2 * HOUR });
      expect(await scheduler.tick()).toMatchObject({ overdue: 0 });
      const events = await bed.db
        .selectFrom('outbox')
        .selectAll()
        .where('event_type', '=', 'overdue')
        .execute();
      expect(events).toHaveLength(1);
      expect(events[0]?.idempotency_key).toBe(`overdue-${checkout.id}`);
      const marked = await auditRows(bed.db, ['checkout.overdue']);
      expect(marked).toHaveLength(1);
      expect(marked[0]).toMatchObject({ person: 'p-ruiz', data: { checkout: checkout.id } });

      await bed.router.runOnce();
      const told = await bed.messages(events[0]?.id);
      expect(told.map((m) => `${m.rule_id} ${m.address}`)).toEqual([
        'overdue d.ruiz@riverside.example',
        'overdue m.chen@riverside.example',
      ]);
      expect(told[0]?.subject).toBe('Keywarden: Key overdue: Patrol car 101 taken by Dana Ruiz is overdue');

      bed.clock.set(new Date(due + 2 * HOUR).toISOString());
      expect(await scheduler.tick()).toMatchObject({ consequences: 1 });
      expect(await scheduler.tick()).toMatchObject({ consequences: 0 });
      const [incident] = await listIncidents(bed.db, { status: 'open', limit: 10 });
      expect(incident).toMatchObject({
        kind: 'overdue',
        person: 'p-ruiz',
        key: 'car-101',
        checkout: checkout.id,
        owner: 'p-chen',
      });
      const detail = await getIncident(bed.db, incident?.id as string);
      expect(detail.timeline.map((item) => [item.kind, item.eventType, item.event])).toEqual([
        ['event', 'overdue', events[0]?.id],
        ['opened', null, null],
      ]);
      const commander = (await bed.messages()).filter((m) => m.rule_id === 'consequence:1');
      expect(commander.map((m) => `${m.channel} ${m.address}`)).toEqual([
        'email g.okafor@riverside.example',
        'in-app p-okafor',
      ]);
    });

    it('leaves a key returned in time alone', async () => {
      await bed.take({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      bed.clock.advance(HOUR);
      await bed.db
        .transaction()
        .execute((trx) => recordReturn(trx, bed.context, { key: 'car-101', cabinet: 'central-a', slot: 1 }));
      bed.clock.advance(24 * HOUR);
      expect(await scheduler.tick()).toEqual({ reminders: 0, overdue: 0, consequences: 0, nextAt: null });
      expect(await bed.db.selectFrom('checkout_alerts').selectAll().execute()).toEqual([]);
    });

    it('marks a checkout overdue within 5 seconds of its due time, on real timers', async () => {
      await bed.take({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      const realTime = new OverdueScheduler(
        bed.db,
        { ...bed.context, now: () => new Date() },
        { pollMs: 60_000 },
      );
      const due = Date.now() + 1500;
      await bed.db
        .updateTable('checkouts')
        .set({ due_at: new Date(due).toISOString() })
        .execute();
      realTime.start();
      try {
        let alert: { at: string } | undefined;
        while (!alert && Date.now() < due + 8000) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          alert = await bed.db
            .selectFrom('checkout_alerts')
            .select('at')
            .where('kind', '=', 'overdue')
            .executeTakeFirst();
        }
        expect(alert).toBeDefined();
        const late = Date.parse(alert?.at as string) - due;
        expect(late).toBeGreaterThanOrEqual(0);
        expect(late).toBeLessThan(5000);
      } finally {
        await realTime.stop();
      }
    });
  });
}
