import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordCheckout } from '../checkouts/checkouts.service.js';
import { verifyAuditChain } from '../checkouts/store-invariants.testing.js';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext, RIVERSIDE_POLICY } from '../testing/service-context.js';
import { loadActivePolicy } from './active-policy.js';
import {
  approvePolicyVersion,
  getPolicyVersion,
  importPolicyVersion,
  listPolicyVersions,
} from './policy-versions.service.js';

/** Riverside with a changed e-mail, a new role for p-ruiz, a relabelled key and a new key. */
const CHANGED_POLICY = RIVERSIDE_POLICY.replace(
  'email: i.novak@riverside.example',
  'email: ivan.novak@riverside.example',
)
  .replace(
    '{ id: p-ruiz, name: Dana Ruiz, roles: [officer]',
    '{ id: p-ruiz, name: Dana Ruiz, roles: [officer, sergeant]',
  )
  .replace('label: Patrol car 103,', 'label: Patrol car 103 (spare),')
  .replace(
    '  - { id: car-201,',
    '  - { id: car-104, label: Patrol car 104, group: patrol-cars, cabinet: central-a, slot: 4 }\n  - { id: car-201,',
  );

const INVALID_POLICY = RIVERSIDE_POLICY.replace(
  'who: { roles: [officer, sergeant] }',
  'who: { roles: [officer, detective] }',
).replace('slots: 24', 'slots: 0');

async function auditEntries(db: Kysely<DB>, afterSeq = 0) {
  const rows = await db
    .selectFrom('audit_entries')
    .selectAll()
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
}

async function outboxRows(db: Kysely<DB>) {
  const rows = await db.selectFrom('outbox').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({ ...row, payload: JSON.parse(row.payload) as Record<string, unknown> }));
}

async function countRows(db: Kysely<DB>, table: keyof DB): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function histogram(types: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of types) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<KeywardenError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KeywardenError);
  expect((error as KeywardenError).code).toBe(code);
  return error as KeywardenError;
}

for (const dialect of await testDialects()) {
  describe(`policy versions (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ReturnType<typeof newServiceContext>;
    let db: Kysely<DB>;

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
      ctx = newServiceContext(database.store);
      db = database.store.db;
    });
    afterEach(async () => {
      await database.drop();
    });

    const importAs = (source: string, by: string) =>
      db.transaction().execute((trx) => importPolicyVersion(trx, ctx, { source, by }));
    const approveAs = (version: number, by: string) =>
      db.transaction().execute((trx) => approvePolicyVersion(trx, ctx, { version, by }));

    it('stores an import as a draft and fills the directory and inventory from it', async () => {
      const { version, warnings, directory } = await importAs(RIVERSIDE_POLICY, 'p-okafor');
      expect(version).toMatchObject({
        version: 1,
        name: 'Riverside PD after-hours key access procedure',
        status: 'draft',
        createdBy: 'p-okafor',
        createdAt: '2026-11-25T16:30:00.000Z',
        approvedBy: null,
      });
      expect(warnings.filter((problem) => problem.severity === 'error')).toEqual([]);
      expect(directory).toEqual({ created: 29, updated: 0 });

      const people = await db.selectFrom('people').selectAll().orderBy('id').execute();
      expect(people.map((p) => p.id)).toEqual([
        'p-berg',
        'p-chen',
        'p-haddad',
        'p-lee',
        'p-novak',
        'p-okafor',
        'p-ruiz',
      ]);
      const byId = new Map(people.map((p) => [p.id, p]));
      expect(byId.get('p-ruiz')).toMatchObject({
        supervisor_id: 'p-chen',
        active: 1,
        email: 'd.ruiz@riverside.example',
      });
      expect(byId.get('p-chen')?.supervisor_id).toBe('p-okafor');
      expect(byId.get('p-okafor')?.supervisor_id).toBeNull();
      expect(byId.get('p-lee')?.active).toBe(0);
      const roles = await db
        .selectFrom('person_roles')
        .selectAll()
        .where('person_id', '=', 'p-okafor')
        .execute();
      expect(roles.map((r) => r.role_id)).toEqual(['watch-commander']);
      expect(await countRows(db, 'roles')).toBe(5);

      const keys = await db.selectFrom('keys').selectAll().orderBy('id').execute();
      expect(keys).toHaveLength(8);
      expect(new Set(keys.map((k) => k.status))).toEqual(new Set(['in']));
      expect(keys.find((k) => k.id === 'car-201')).toMatchObject({
        cabinet_id: 'north-a',
        slot: 1,
        group_id: 'patrol-cars',
      });
      expect(await countRows(db, 'slots')).toBe(24 + 12 + 12);
      const slot = await db
        .selectFrom('slots')
        .select('key_id')
        .where('cabinet_id', '=', 'central-b')
        .where('number', '=', 2)
        .executeTakeFirstOrThrow();
      expect(slot.key_id).toBe('evidence-1');
      const sites = await db.selectFrom('sites').selectAll().orderBy('id').execute();
      expect(sites.map((s) => [s.id, s.timezone])).toEqual([
        ['central', 'America/Chicago'],
        ['north', 'America/Chicago'],
      ]);

      // A draft decides nothing.
      await expectCode(loadActivePolicy(db), 'no_active_policy');

      const entries = await auditEntries(db);
      expect(histogram(entries.map((e) => e.type))).toEqual({
        'site.created': 2,
        'cabinet.created': 3,
        'key-group.created': 4,
        'key.created': 8,
        'role.created': 5,
        'person.created': 7,
        // A new person's roles are audited, but counted as part of creating them.
        'person.roles-changed': 7,
        'policy.imported': 1,
      });
      const imported = entries.at(-1);
      expect(imported).toMatchObject({
        type: 'policy.imported',
        actor_id: 'p-okafor',
        policy_version: 1,
        data: { version: 1, directory: { created: 29, updated: 0 } },
      });
      expect(entries.find((e) => e.type === 'key.created' && e.key_id === 'car-101')?.data).toMatchObject({
        id: 'car-101',
        source: 'policy-import',
        fields: { cabinet_id: 'central-a', slot: 1, status: 'in' },
      });
      const outbox = await outboxRows(db);
      expect(outbox.map((row) => [row.event_type, row.payload.action, row.payload.version])).toEqual([
        ['policy-changed', 'imported', 1],
      ]);
      expect((await verifyAuditChain(db)).problems).toEqual([]);
    });

    it('re-imports a changed file by changing only what changed, auditing each change', async () => {
      await importAs(RIVERSIDE_POLICY, 'p-okafor');
      const okaforBefore = await db
        .selectFrom('people')
        .selectAll()
        .where('id', '=', 'p-okafor')
        .executeTakeFirstOrThrow();
      const lastSeq = (await db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq;
      ctx.clock.advance(60 * 60_000);

      const { version, directory } = await importAs(CHANGED_POLICY, 'p-okafor');
      expect(version).toMatchObject({ version: 2, status: 'draft' });
      expect(directory).toEqual({ created: 1, updated: 3 });

      const entries = await auditEntries(db, lastSeq);
      expect(entries.map((e) => [e.type, e.person_id ?? e.key_id])).toEqual([
        ['key.updated', 'car-103'],
        ['key.created', 'car-104'],
        ['person.updated', 'p-novak'],
        ['person.roles-changed', 'p-ruiz'],
        ['policy.imported', null],
      ]);
      expect(entries[0]?.data).toEqual({
        id: 'car-103',
        source: 'policy-import',
        changes: { label: { from: 'Patrol car 103', to: 'Patrol car 103 (spare)' } },
      });
      expect(entries[2]?.data).toEqual({
        id: 'p-novak',
        source: 'policy-import',
        changes: { email: { from: 'i.novak@riverside.example', to: 'ivan.novak@riverside.example' } },
      });
      expect(entries[3]?.data).toEqual({ source: 'policy-import', added: ['sergeant'], removed: [] });
      for (const entry of entries) expect(entry.at).toBe('2026-11-25T17:30:00.000Z');

      const novak = await db
        .selectFrom('people')
        .selectAll()
        .where('id', '=', 'p-novak')
        .executeTakeFirstOrThrow();
      expect(novak.email).toBe('ivan.novak@riverside.example');
      const okaforAfter = await db
        .selectFrom('people')
        .selectAll()
        .where('id', '=', 'p-okafor')
        .executeTakeFirstOrThrow();
      expect(okaforAfter).toEqual(okaforBefore);
      const ruizRoles = await db
        .selectFrom('person_roles')
        .select('role_id')
        .where('person_id', '=', 'p-ruiz')
        .execute();
      expect(ruizRoles.map((r) => r.role_id).sort()).toEqual(['officer', 'sergeant']);
      const car104 = await db
        .selectFrom('keys')
        .selectAll()
        .where('id', '=', 'car-104')
        .executeTakeFirstOrThrow();
      expect(car104).toMatchObject({ status: 'in', cabinet_id: 'central-a', slot: 4 });
      const slot4 = await db
        .selectFrom('slots')
        .select('key_id')
        .where('cabinet_id', '=', 'central-a')
        .where('number', '=', 4)
        .executeTakeFirstOrThrow();
      expect(slot4.key_id).toBe('car-104');

      // The same file again changes nothing in the directory; it is still a new version.
      const again = await importAs(CHANGED_POLICY, 'p-okafor');
      expect(again.directory).toEqual({ created: 0, updated: 0 });
      expect(again.version.version).toBe(3);
      expect((await auditEntries(db, lastSeq + entries.length)).map((e) => e.type)).toEqual([
        'policy.imported',
      ]);
      expect((await verifyAuditChain(db)).problems).toEqual([]);
    });

    it('keeps a key that is out as out when a re-import touches it', async () => {
      await ctx.activatePolicy();
      const outcome = await db
        .transaction()
        .execute((trx) => recordCheckout(trx, ctx, { person: 'p-ruiz', key: 'car-103', factors: ['pin'] }));
      expect(outcome.ok).toBe(true);
      await importAs(CHANGED_POLICY, 'p-okafor');
      const key = await db
        .selectFrom('keys')
        .selectAll()
        .where('id', '=', 'car-103')
        .executeTakeFirstOrThrow();
      expect(key).toMatchObject({ status: 'out', label: 'Patrol car 103 (spare)' });
      expect(key.current_checkout_id).toBe(outcome.ok ? outcome.checkout.id : 'none');
    });

    it('refuses an invalid file with every problem and leaves nothing behind', async () => {
      const error = await expectCode(importAs(INVALID_POLICY, 'p-okafor'), 'policy_invalid');
      const problems = (error.details?.problems ?? []) as {
        path: unknown[];
        message: string;
        line?: number;
      }[];
      expect(problems.map((p) => p.message)).toEqual(
        expect.arrayContaining(['must be at least 1', 'unknown role "detective"']),
      );
      expect(problems.every((p) => typeof p.line === 'number')).toBe(true);
      expect(error.message).toContain('2 errors');
      for (const table of [
        'policy_versions',
        'people',
        'keys',
        'sites',
        'slots',
        'audit_entries',
        'outbox',
      ] as const)
        expect(await countRows(db, table), table).toBe(0);
      expect((await db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq).toBe(0);
    });

    it('rolls back the whole import, directory and audit included, when the transaction fails after it', async () => {
      await expect(
        db.transaction().execute(async (trx) => {
          await importPolicyVersion(trx, ctx, { source: RIVERSIDE_POLICY, by: 'p-okafor' });
          expect(await trx.selectFrom('people').select('id').execute()).toHaveLength(7);
          throw new Error('the server stopped here');
        }),
      ).rejects.toThrow('the server stopped here');
      for (const table of [
        'policy_versions',
        'people',
        'person_roles',
        'keys',
        'slots',
        'audit_entries',
        'outbox',
      ] as const)
        expect(await countRows(db, table), table).toBe(0);
      expect((await db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq).toBe(0);
    });

    it('refuses an author who is neither in the file nor in the directory, or who is inactive', async () => {
      await expectCode(importAs(RIVERSIDE_POLICY, 'p-nobody'), 'unknown_person');
      expect(await countRows(db, 'people')).toBe(0);
      await expectCode(importAs(RIVERSIDE_POLICY, 'p-lee'), 'person_inactive');
      expect(await countRows(db, 'people')).toBe(0);
    });

    it('refuses approval by the author of the version', async () => {
      await importAs(RIVERSIDE_POLICY, 'p-okafor');
      await expectCode(approveAs(1, 'p-okafor'), 'same_author');
      expect((await listPolicyVersions(db))[0]?.status).toBe('draft');
      expect(await countRows(db, 'outbox')).toBe(1);
    });

    it('refuses approval by an inactive or unknown person, and of a version that does not exist', async () => {
      await importAs(RIVERSIDE_POLICY, 'p-okafor');
      await expectCode(approveAs(1, 'p-lee'), 'person_inactive');
      await expectCode(approveAs(1, 'p-nobody'), 'unknown_person');
      await expectCode(approveAs(9, 'p-chen'), 'not_found');
      expect((await listPolicyVersions(db))[0]?.status).toBe('draft');
    });

    it('activates a version approved by a second person and supersedes the one that was active', async () => {
      await importAs(RIVERSIDE_POLICY, 'p-okafor');
      const first = await approveAs(1, 'p-chen');
      expect(first).toMatchObject({
        version: 1,
        status: 'active',
        approvedBy: 'p-chen',
        approvedAt: '2026-11-25T16:30:00.000Z',
      });
      expect((await loadActivePolicy(db)).version).toBe(1);

      ctx.clock.advance(86_400_000);
      await importAs(CHANGED_POLICY, 'p-chen');
      const lastSeq = (await db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq;
      const outboxBefore = await countRows(db, 'outbox');
      const second = await approveAs(2, 'p-okafor');
      expect(second).toMatchObject({
        version: 2,
        status: 'active',
        createdBy: 'p-chen',
        approvedBy: 'p-okafor',
      });

      const versions = await listPolicyVersions(db);
      expect(versions.map((v) => [v.version, v.status, v.approvedBy])).toEqual([
        [2, 'active', 'p-okafor'],
        [1, 'superseded', 'p-chen'],
      ]);
      const active = await loadActivePolicy(db);
      expect(active.version).toBe(2);
      // The active policy reads today's directory: the key the second import added is there.
      expect(active.compiled.keys.has('car-104')).toBe(true);

      const entries = await auditEntries(db, lastSeq);
      expect(entries.map((e) => [e.type, e.actor_id, e.policy_version])).toEqual([
        ['policy.approved', 'p-okafor', 2],
      ]);
      expect(entries[0]?.data).toMatchObject({ version: 2, author: 'p-chen', supersedes: 1 });
      const outbox = await outboxRows(db);
      expect(outbox).toHaveLength(outboxBefore + 1);
      expect(outbox.find((row) => row.idempotency_key === 'policy-approved-2')).toMatchObject({
        event_type: 'policy-changed',
        status: 'pending',
        payload: { action: 'approved', version: 2, by: 'p-okafor', author: 'p-chen' },
      });
    });

    it('refuses to approve a version that is not a draft', async () => {
      await importAs(RIVERSIDE_POLICY, 'p-okafor');
      await approveAs(1, 'p-chen');
      await expectCode(approveAs(1, 'p-ruiz'), 'policy_not_draft');
      await importAs(CHANGED_POLICY, 'p-okafor');
      await approveAs(2, 'p-chen');
      const error = await expectCode(approveAs(1, 'p-chen'), 'policy_not_draft');
      expect(error.message).toContain('superseded');
      expect((await listPolicyVersions(db)).map((v) => v.status)).toEqual(['active', 'superseded']);
    });

    it('keeps every version with its source exactly as imported', async () => {
      await importAs(RIVERSIDE_POLICY, 'p-okafor');
      await approveAs(1, 'p-chen');
      await importAs(CHANGED_POLICY, 'p-okafor');
      await approveAs(2, 'p-chen');
      await importAs(RIVERSIDE_POLICY, 'p-chen');
      const versions = await listPolicyVersions(db);
      expect(versions.map((v) => [v.version, v.status])).toEqual([
        [3, 'draft'],
        [2, 'active'],
        [1, 'superseded'],
      ]);
      const first = await getPolicyVersion(db, 1);
      expect(first.source).toBe(RIVERSIDE_POLICY);
      expect(first.policy.keys).toHaveLength(8);
      const second = await getPolicyVersion(db, 2);
      expect(second.source).toBe(CHANGED_POLICY);
      expect(second.policy.keys.map((k) => k.id)).toContain('car-104');
      expect(versions[0]?.sha256).toBe(versions[2]?.sha256);
      await expectCode(getPolicyVersion(db, 4), 'not_found');
    });

    it('writes the approval, its audit entry and its outbox row in one transaction, or none of them', async () => {
      await importAs(RIVERSIDE_POLICY, 'p-okafor');
      const seqBefore = (await db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq;
      const outboxBefore = await countRows(db, 'outbox');
      await expect(
        db.transaction().execute(async (trx) => {
          await approvePolicyVersion(trx, ctx, { version: 1, by: 'p-chen' });
          // Inside the transaction the three writes are all visible...
          expect(await trx.selectFrom('outbox').select('id').execute()).toHaveLength(outboxBefore + 1);
          expect((await trx.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq).toBe(
            seqBefore + 1,
          );
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      // ...and after the rollback none of them is.
      expect((await listPolicyVersions(db))[0]?.status).toBe('draft');
      expect((await db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq).toBe(seqBefore);
      expect(await countRows(db, 'outbox')).toBe(outboxBefore);
      expect((await verifyAuditChain(db)).problems).toEqual([]);
    });
  });
}
