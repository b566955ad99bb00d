import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { SecretBox } from '../credentials/secret-box.js';
import { entryHash, GENESIS_HASH } from '../domain/audit/audit-chain.js';
import { InProcessLiveEvents } from '../live/live-events.js';
import { ActivePolicyCache } from '../policy/active-policy.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { planDemo } from './demo-plan.js';
import { runDemo } from './run-demo.js';

const END = new Date('2026-11-27T15:00:00Z');
const secretsKeyPath = join(mkdtempSync(join(tmpdir(), 'keywarden-demo-')), 'secrets.key');

async function demoInto(database: TestDatabase, seed: number) {
  const now = () => END;
  const context = {
    store: database.store,
    audit: new AuditLog({ now }),
    policies: new ActivePolicyCache(database.store.db),
    now,
    secrets: new SecretBox({ path: secretsKeyPath }),
    live: new InProcessLiveEvents(),
    publicUrl: 'http://localhost:8080',
    close: async () => {},
  };
  return runDemo(context, { days: 10, seed, end: END });
}

describe('demo plan', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = planDemo({ start: '2026-11-01', days: 10, seed: 3 });
    expect(planDemo({ start: '2026-11-01', days: 10, seed: 3 })).toEqual(a);
    expect(planDemo({ start: '2026-11-01', days: 10, seed: 4 })).not.toEqual(a);
  });

  it('plans day and night shifts, after-hours reasons, approvals, witnesses and denials', () => {
    const plan = planDemo({ start: '2026-11-01', days: 30, seed: 1 });
    expect(plan.some((p) => p.reason === 'vehicle-swap')).toBe(true);
    expect(plan.some((p) => p.reason === 'emergency-repair' && p.approver === 'p-okafor')).toBe(true);
    expect(plan.some((p) => p.witness)).toBe(true);
    expect(plan.some((p) => p.person === 'p-lee')).toBe(true);
    expect(plan.every((p, i) => i === 0 || (plan[i - 1] as { at: number }).at <= p.at)).toBe(true);
  });
});

for (const dialect of await testDialects()) {
  describe(`demo on ${dialect}`, () => {
    const databases: TestDatabase[] = [];
    afterEach(async () => {
      await Promise.all(databases.splice(0).map((database) => database.drop()));
    });

    it('plays realistic traffic through the services, deterministic for a seed, with an intact chain', async () => {
      const first = await createTestDatabase(dialect);
      const second = await createTestDatabase(dialect);
      databases.push(first, second);
      const summary = await demoInto(first, 5);
      expect(summary.checkouts).toBeGreaterThan(20);
      expect(summary.denials).toBeGreaterThan(0);
      expect(summary.late).toBeGreaterThan(0);
      expect(await demoInto(second, 5)).toEqual(summary);

      const shape = async (database: TestDatabase) =>
        await database.store.db
          .selectFrom('checkouts')
          .select(['key_id', 'person_id', 'taken_at', 'returned_at', 'late', 'after_hours', 'reason'])
          .orderBy('taken_at')
          .orderBy('key_id')
          .execute();
      expect(await shape(second)).toEqual(await shape(first));

      const afterHours = await first.store.db
        .selectFrom('checkouts')
        .selectAll()
        .where('after_hours', '=', 1)
        .execute();
      expect(afterHours.length).toBeGreaterThan(0);
      expect(afterHours.every((c) => c.reason !== null)).toBe(true);
      const denied = await first.store.db
        .selectFrom('audit_entries')
        .select('data')
        .where('type', '=', 'checkout.denied')
        .execute();
      expect(denied.length).toBe(summary.denials);

      const entries = await first.store.db.selectFrom('audit_entries').selectAll().orderBy('seq').execute();
      let previous = GENESIS_HASH;
      entries.forEach((row, index) => {
        expect(row.seq).toBe(index + 1);
        expect(row.prev_hash).toBe(previous);
        const content = {
          seq: row.seq,
          at: row.at,
          type: row.type,
          actor: row.actor_id,
          person: row.person_id,
          key: row.key_id,
          cabinet: row.cabinet_id,
          policyVersion: row.policy_version,
          data: JSON.parse(row.data),
        };
        expect(entryHash(previous, content)).toBe(row.hash);
        previous = row.hash;
      });
    });

    it('plays the notification workers in simulated time: nothing left to announce as news, nothing failed', async () => {
      const database = await createTestDatabase(dialect);
      databases.push(database);
      const summary = await demoInto(database, 5);
      const db = database.store.db;
      const outbox = await db.selectFrom('outbox').select(['status', 'created_at']).execute();
      expect(outbox.length).toBeGreaterThan(summary.checkouts);
      expect(outbox.filter((event) => event.status !== 'delivered')).toEqual([]);
      const messages = await db.selectFrom('notification_messages').selectAll().execute();
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.every((m) => Date.parse(m.created_at) <= END.getTime())).toBe(true);
      // In-app messages reached their inboxes; e-mail and SMS wait for settings with every attempt left.
      for (const message of messages) {
        if (message.channel === 'in-app') expect(message.status).toBe('sent');
        else expect(message).toMatchObject({ status: 'pending', attempts: 0 });
      }
      const types = (await db.selectFrom('audit_entries').select(['type', 'at']).execute()).filter((entry) =>
        /^(notification|checkout\.overdue)/.test(entry.type),
      );
      expect(types.some((entry) => entry.type === 'notification.routed')).toBe(true);
      expect(types.filter((entry) => entry.type === 'notification.failed')).toEqual([]);
      expect(types.every((entry) => Date.parse(entry.at) <= END.getTime())).toBe(true);
    });

    it('refuses to run into a database that already has a policy', async () => {
      const database = await createTestDatabase(dialect);
      databases.push(database);
      await demoInto(database, 1);
      await expect(demoInto(database, 1)).rejects.toThrow(/already holds policy versions/);
    });
  });
}
