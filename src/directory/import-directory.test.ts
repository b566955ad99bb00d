import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../checkouts/store-invariants.testing.js';
import { importPolicyVersion } from '../policy/policy-versions.service.js';
import type { DB } from '../store/schema.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext, RIVERSIDE_POLICY } from '../testing/service-context.js';

const CAR_101 = '{ id: car-101, label: Patrol car 101, group: patrol-cars, cabinet: central-a, slot: 1 }';
const CAR_102 = '{ id: car-102, label: Patrol car 102, group: patrol-cars, cabinet: central-a, slot: 2 }';
const CAR_103 = '{ id: car-103, label: Patrol car 103, group: patrol-cars, cabinet: central-a, slot: 3 }';

for (const dialect of await testDialects()) {
  describe(`directory import (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ReturnType<typeof newServiceContext>;
    let db: Kysely<DB>;

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
      ctx = newServiceContext(database.store);
      db = database.store.db;
      await importAs(RIVERSIDE_POLICY);
    });
    afterEach(async () => {
      await database.drop();
    });

    function importAs(source: string) {
      return db.transaction().execute((trx) => importPolicyVersion(trx, ctx, { source, by: 'p-okafor' }));
    }
    async function homes(...ids: string[]) {
      const rows = await db
        .selectFrom('keys')
        .select(['id', 'cabinet_id', 'slot'])
        .where('id', 'in', ids)
        .orderBy('id')
        .execute();
      return rows.map((row) => `${row.id}@${row.cabinet_id}/${row.slot}`);
    }
    async function keyUpdates(afterSeq: number) {
      const rows = await db
        .selectFrom('audit_entries')
        .select(['key_id', 'type', 'data'])
        .where('seq', '>', afterSeq)
        .where('type', 'like', 'key.%')
        .orderBy('seq')
        .execute();
      return rows.map((row) => ({ key: row.key_id, type: row.type, data: JSON.parse(row.data) }));
    }
    const headSeq = async () =>
      (await db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq;

    it('imports a file that swaps two keys between their home slots', async () => {
      const seq = await headSeq();
      const swapped = RIVERSIDE_POLICY.replace(CAR_101, CAR_101.replace('slot: 1', 'slot: 2')).replace(
        CAR_102,
        CAR_102.replace('slot: 2', 'slot: 1'),
      );
      await importAs(swapped);
      expect(await homes('car-101', 'car-102')).toEqual(['car-101@central-a/2', 'car-102@central-a/1']);
      expect(await keyUpdates(seq)).toEqual([
        {
          key: 'car-101',
          type: 'key.updated',
          data: expect.objectContaining({ changes: { slot: { from: 1, to: 2 } } }),
        },
        {
          key: 'car-102',
          type: 'key.updated',
          data: expect.objectContaining({ changes: { slot: { from: 2, to: 1 } } }),
        },
      ]);
      expect((await verifyAuditChain(db)).problems).toEqual([]);
    });

    it('moves a key to another cabinet under the same slot number', async () => {
      const seq = await headSeq();
      await importAs(
        RIVERSIDE_POLICY.replace(CAR_103, CAR_103.replace('cabinet: central-a', 'cabinet: north-a')),
      );
      expect(await homes('car-103')).toEqual(['car-103@north-a/3']);
      expect(await keyUpdates(seq)).toEqual([
        {
          key: 'car-103',
          type: 'key.updated',
          data: expect.objectContaining({ changes: { cabinet_id: { from: 'central-a', to: 'north-a' } } }),
        },
      ]);
    });

    it('gives a new key, listed first, the home slot another key leaves in the same import', async () => {
      const newKey =
        '{ id: car-104, label: Patrol car 104, group: patrol-cars, cabinet: central-a, slot: 1 }';
      await importAs(
        RIVERSIDE_POLICY.replace(CAR_101, `${newKey}\n  - ${CAR_101.replace('slot: 1', 'slot: 7')}`),
      );
      expect(await homes('car-101', 'car-104')).toEqual(['car-101@central-a/7', 'car-104@central-a/1']);
    });
  });
}
