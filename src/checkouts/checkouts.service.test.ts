import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeywardenError } from '../domain/errors.js';
import { approvePolicyVersion, importPolicyVersion } from '../policy/policy-versions.service.js';
import type { DB } from '../store/schema.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext, RIVERSIDE_POLICY } from '../testing/service-context.js';
import {
  type CheckoutRequest,
  type ReturnRequest,
  recordCheckout,
  recordReturn,
} from './checkouts.service.js';
import { checkCheckoutRecords, checkKeyInvariants, verifyAuditChain } from './store-invariants.testing.js';

/** Wednesday 2026-11-25 10:30 at Central Station (America/Chicago): business hours. */
const WEDNESDAY_MORNING = '2026-11-25T16:30:00.000Z';
/** Thanksgiving 2026-11-26 10:30 local: a Texas public holiday, so after hours all day. */
const THANKSGIVING_MORNING = '2026-11-26T16:30:00.000Z';
const HOUR = 3_600_000;

/** Riverside with the officers' rule made stricter: two factors and six hours. */
const STRICTER_POLICY = RIVERSIDE_POLICY.replace(
  'require: { factors: 1, maxDuration: 12h, maxKeysOut: 1 }',
  'require: { factors: 2, maxDuration: 6h, maxKeysOut: 1 }',
);

async function expectCode(promise: Promise<unknown>, code: string): Promise<KeywardenError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(KeywardenError);
  expect((error as KeywardenError).code).toBe(code);
  return error as KeywardenError;
}

for (const dialect of await testDialects()) {
  describe(`checkouts service (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ReturnType<typeof newServiceContext>;
    let db: Kysely<DB>;

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
      ctx = newServiceContext(database.store);
      ctx.clock.set(WEDNESDAY_MORNING);
      db = database.store.db;
      await ctx.activatePolicy();
    });
    afterEach(async () => {
      await database.drop();
    });

    const checkout = (request: CheckoutRequest) =>
      db.transaction().execute((trx) => recordCheckout(trx, ctx, request));
    const giveBack = (request: ReturnRequest) =>
      db.transaction().execute((trx) => recordReturn(trx, ctx, request));
    const takeOk = async (request: CheckoutRequest) => {
      const outcome = await checkout(request);
      if (!outcome.ok) throw new Error(`expected an allowed checkout: ${outcome.decision.explanation}`);
      return outcome.checkout;
    };
    const keyRow = (id: string) =>
      db.selectFrom('keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const slotHolder = async (cabinet: string, number: number) =>
      (
        await db
          .selectFrom('slots')
          .select('key_id')
          .where('cabinet_id', '=', cabinet)
          .where('number', '=', number)
          .executeTakeFirstOrThrow()
      ).key_id;
    const headSeq = async () =>
      (await db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq;
    const entriesAfter = async (seq: number) =>
      (await db.selectFrom('audit_entries').selectAll().where('seq', '>', seq).orderBy('seq').execute()).map(
        (row) => ({
          ...row,
          data: JSON.parse(row.data) as Record<string, unknown>,
        }),
      );
    const outboxRows = async () =>
      (await db.selectFrom('outbox').selectAll().where('event_type', '!=', 'policy-changed').execute()).map(
        (row) => ({
          ...row,
          payload: JSON.parse(row.payload) as Record<string, unknown>,
        }),
      );
    const expectConsistent = async () => {
      expect(await checkKeyInvariants(db)).toEqual([]);
      expect(await checkCheckoutRecords(db)).toEqual([]);
      expect((await verifyAuditChain(db)).problems).toEqual([]);
    };

    it('records an allowed checkout with its policy version, rule, due time, factors and reason', async () => {
      const seq = await headSeq();
      const taken = await takeOk({
        person: 'p-ruiz',
        key: 'car-101',
        factors: ['pin'],
        reason: 'vehicle-swap',
      });
      expect(taken).toMatchObject({
        key: 'car-101',
        person: 'p-ruiz',
        cabinet: 'central-a',
        slot: 1,
        takenAt: WEDNESDAY_MORNING,
        dueAt: '2026-11-26T04:30:00.000Z',
        reason: 'vehicle-swap',
        factors: ['pin'],
        afterHours: false,
        policyVersion: 1,
        rule: 'officers-patrol-cars',
        status: 'open',
        returnedAt: null,
      });
      const stored = await db
        .selectFrom('checkouts')
        .selectAll()
        .where('id', '=', taken.id)
        .executeTakeFirstOrThrow();
      expect(stored).toMatchObject({
        policy_version: 1,
        rule_id: 'officers-patrol-cars',
        after_hours: 0,
        factors: '["pin"]',
      });

      expect(await keyRow('car-101')).toMatchObject({ status: 'out', current_checkout_id: taken.id });
      expect(await slotHolder('central-a', 1)).toBeNull();

      const entries = await entriesAfter(seq);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        type: 'checkout',
        at: WEDNESDAY_MORNING,
        actor_id: 'p-ruiz',
        person_id: 'p-ruiz',
        key_id: 'car-101',
        cabinet_id: 'central-a',
        policy_version: 1,
        data: {
          checkout: taken.id,
          slot: 1,
          reason: 'vehicle-swap',
          factors: ['pin'],
          afterHours: false,
          dueAt: '2026-11-26T04:30:00.000Z',
          rule: 'officers-patrol-cars',
        },
      });
      const outbox = await outboxRows();
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({
        event_type: 'checkout',
        idempotency_key: `checkout-${taken.id}`,
        status: 'pending',
        available_at: WEDNESDAY_MORNING,
        payload: {
          person: 'p-ruiz',
          key: 'car-101',
          cabinet: 'central-a',
          policyVersion: 1,
          checkout: taken.id,
        },
      });
      await expectConsistent();
    });

    it('records an after-hours checkout on a holiday with the after-hours conditions', async () => {
      ctx.clock.set(THANKSGIVING_MORNING);
      const taken = await takeOk({
        person: 'p-ruiz',
        key: 'car-102',
        factors: ['pin', 'badge'],
        reason: 'vehicle-swap',
      });
      expect(taken).toMatchObject({
        afterHours: true,
        dueAt: '2026-11-27T04:30:00.000Z',
        factors: ['pin', 'badge'],
      });
      const [entry] = await db
        .selectFrom('audit_entries')
        .selectAll()
        .where('type', '=', 'checkout')
        .execute();
      expect(JSON.parse(entry?.data ?? '{}')).toMatchObject({ afterHours: true, reason: 'vehicle-swap' });
    });

    it('records a checkout that still needs something as a denial and changes no key', async () => {
      ctx.clock.set(THANKSGIVING_MORNING);
      const seq = await headSeq();
      const outcome = await checkout({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      expect(outcome.ok).toBe(false);
      expect(outcome.decision).toMatchObject({
        outcome: 'needs',
        rule: 'officers-patrol-cars',
        afterHours: true,
      });
      expect(outcome.decision.missing).toMatchObject({ factors: 1, reason: true });
      if (!outcome.ok) expect(outcome.policyVersion).toBe(1);

      expect(await keyRow('car-101')).toMatchObject({ status: 'in', current_checkout_id: null });
      expect(await slotHolder('central-a', 1)).toBe('car-101');
      expect(await db.selectFrom('checkouts').select('id').execute()).toEqual([]);
      const entries = await entriesAfter(seq);
      expect(entries.map((e) => [e.type, e.person_id, e.key_id, e.cabinet_id, e.policy_version])).toEqual([
        ['checkout.denied', 'p-ruiz', 'car-101', 'central-a', 1],
      ]);
      expect(entries[0]?.data).toMatchObject({
        decision: { outcome: 'needs', missing: { factors: 1, reason: true }, rule: 'officers-patrol-cars' },
        factors: ['pin'],
        afterHours: true,
      });
      const outbox = await outboxRows();
      expect(outbox.map((row) => [row.event_type, row.payload.key, row.payload.person])).toEqual([
        ['denied', 'car-101', 'p-ruiz'],
      ]);
      await expectConsistent();
    });

    it('records a denial for someone no rule lets take the key, and for an inactive person', async () => {
      const noRule = await checkout({ person: 'p-haddad', key: 'car-101', factors: ['pin', 'badge'] });
      expect(noRule.ok).toBe(false);
      expect(noRule.decision).toMatchObject({ outcome: 'deny', code: 'no_rule' });
      const inactive = await checkout({ person: 'p-lee', key: 'car-101', factors: ['pin'] });
      expect(inactive.decision).toMatchObject({ outcome: 'deny', code: 'person_inactive' });
      const denied = await db
        .selectFrom('audit_entries')
        .select('person_id')
        .where('type', '=', 'checkout.denied')
        .execute();
      expect(denied.map((e) => e.person_id)).toEqual(['p-haddad', 'p-lee']);
      expect((await outboxRows()).map((row) => row.event_type)).toEqual(['denied', 'denied']);
      expect((await keyRow('car-101')).status).toBe('in');
    });

    it('refuses a key that is already out with key_unavailable and writes nothing for the attempt', async () => {
      await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      const seq = await headSeq();
      const outboxBefore = (await outboxRows()).length;
      const error = await expectCode(
        checkout({ person: 'p-novak', key: 'car-101', factors: ['pin'] }),
        'key_unavailable',
      );
      expect(error.details).toEqual({ status: 'out' });
      expect(await headSeq()).toBe(seq);
      expect(await outboxRows()).toHaveLength(outboxBefore);
      expect(await db.selectFrom('checkouts').select('person_id').execute()).toEqual([
        { person_id: 'p-ruiz' },
      ]);
      await expectConsistent();
    });

    it('refuses a key marked missing with key_unavailable', async () => {
      await db.updateTable('keys').set({ status: 'missing' }).where('id', '=', 'car-103').execute();
      const error = await expectCode(
        checkout({ person: 'p-ruiz', key: 'car-103', factors: ['pin'] }),
        'key_unavailable',
      );
      expect(error.details).toEqual({ status: 'missing' });
    });

    it('counts maxKeysOut from the open checkouts: a second key is denied until the first is back', async () => {
      await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      const second = await checkout({ person: 'p-ruiz', key: 'car-102', factors: ['pin'] });
      expect(second.ok).toBe(false);
      expect(second.decision).toMatchObject({ outcome: 'deny', code: 'max_keys_out' });
      expect((await keyRow('car-102')).status).toBe('in');
      // Someone else's open checkout does not count against p-ruiz.
      await takeOk({ person: 'p-novak', key: 'car-103', factors: ['pin'] });
      await giveBack({ key: 'car-101', cabinet: 'central-a', slot: 1 });
      const third = await takeOk({ person: 'p-ruiz', key: 'car-102', factors: ['pin'] });
      expect(third.key).toBe('car-102');
      await expectConsistent();
    });

    it('records a return on time into the home slot', async () => {
      const taken = await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      ctx.clock.advance(2 * HOUR);
      const seq = await headSeq();
      const back = await giveBack({ key: 'car-101', cabinet: 'central-a', slot: 1 });
      expect(back).toMatchObject({
        id: taken.id,
        status: 'returned',
        returnedAt: '2026-11-25T18:30:00.000Z',
        returnedBy: 'p-ruiz',
        returnCabinet: 'central-a',
        returnSlot: 1,
        late: false,
        wrongSlot: false,
      });
      expect(await keyRow('car-101')).toMatchObject({ status: 'in', current_checkout_id: null });
      expect(await slotHolder('central-a', 1)).toBe('car-101');
      const stored = await db
        .selectFrom('checkouts')
        .selectAll()
        .where('id', '=', taken.id)
        .executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ status: 'returned', late: 0, wrong_slot: 0, return_slot: 1 });
      const entries = await entriesAfter(seq);
      expect(entries.map((e) => [e.type, e.actor_id, e.person_id, e.cabinet_id, e.policy_version])).toEqual([
        ['return', 'p-ruiz', 'p-ruiz', 'central-a', 1],
      ]);
      expect(entries[0]?.data).toMatchObject({
        checkout: taken.id,
        late: false,
        wrongSlot: false,
        heldBy: 'p-ruiz',
      });
      const outbox = await outboxRows();
      expect(outbox.find((row) => row.event_type === 'return')).toMatchObject({
        idempotency_key: `return-${taken.id}`,
      });
      await expectConsistent();
    });

    it('marks a return after the due time as late, and one exactly at it as on time', async () => {
      const first = await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      ctx.clock.set(first.dueAt as string);
      expect((await giveBack({ key: 'car-101', cabinet: 'central-a', slot: 1 })).late).toBe(false);
      ctx.clock.set('2026-11-30T15:00:00.000Z'); // Monday 09:00 local
      const second = await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      ctx.clock.set(second.dueAt as string);
      ctx.clock.advance(1);
      const back = await giveBack({ key: 'car-101', cabinet: 'central-a', slot: 1, by: 'p-chen' });
      expect(back).toMatchObject({ late: true, returnedBy: 'p-chen' });
      const entry = (
        await db
          .selectFrom('audit_entries')
          .selectAll()
          .where('type', '=', 'return')
          .orderBy('seq', 'desc')
          .execute()
      )[0];
      expect(entry).toMatchObject({ actor_id: 'p-chen', person_id: 'p-ruiz' });
      expect(JSON.parse(entry?.data ?? '{}')).toMatchObject({ late: true });
      await expectConsistent();
    });

    it('records a return into the wrong slot, and the next checkout takes the key from there', async () => {
      await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      const back = await giveBack({ key: 'car-101', cabinet: 'central-a', slot: 5 });
      expect(back).toMatchObject({ wrongSlot: true, returnCabinet: 'central-a', returnSlot: 5 });
      expect(await slotHolder('central-a', 5)).toBe('car-101');
      expect(await slotHolder('central-a', 1)).toBeNull();
      await expectConsistent();

      const again = await takeOk({ person: 'p-novak', key: 'car-101', factors: ['pin'] });
      expect(again).toMatchObject({ cabinet: 'central-a', slot: 5 });
      expect(await slotHolder('central-a', 5)).toBeNull();
      const home = await giveBack({ key: 'car-101', cabinet: 'central-a', slot: 1 });
      expect(home.wrongSlot).toBe(false);
      await expectConsistent();
    });

    it('records a return into another cabinet as a wrong slot', async () => {
      await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      const back = await giveBack({ key: 'car-101', cabinet: 'north-a', slot: 1 + 4 });
      expect(back).toMatchObject({ wrongSlot: true, returnCabinet: 'north-a', returnSlot: 5 });
      expect(await slotHolder('north-a', 5)).toBe('car-101');
      const entry = (
        await db.selectFrom('audit_entries').selectAll().where('type', '=', 'return').execute()
      )[0];
      expect(entry?.cabinet_id).toBe('north-a');
      expect(JSON.parse(entry?.data ?? '{}')).toMatchObject({
        wrongSlot: true,
        homeCabinet: 'central-a',
        homeSlot: 1,
      });
      await expectConsistent();
    });

    it('refuses to return a key that is not out', async () => {
      await expectCode(giveBack({ key: 'car-101', cabinet: 'central-a', slot: 1 }), 'checkout_not_found');
      await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      await giveBack({ key: 'car-101', cabinet: 'central-a', slot: 1 });
      await expectCode(giveBack({ key: 'car-101', cabinet: 'central-a', slot: 1 }), 'checkout_not_found');
    });

    it('refuses a return into a slot that holds another key, and into a slot or cabinet that does not exist', async () => {
      await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      const seq = await headSeq();
      const occupied = await expectCode(
        giveBack({ key: 'car-101', cabinet: 'central-a', slot: 2 }),
        'invalid_request',
      );
      expect(occupied.message).toContain('car-102');
      await expectCode(giveBack({ key: 'car-101', cabinet: 'central-a', slot: 25 }), 'invalid_request');
      await expectCode(giveBack({ key: 'car-101', cabinet: 'central-z', slot: 1 }), 'unknown_cabinet');
      await expectCode(giveBack({ key: 'car-999', cabinet: 'central-a', slot: 1 }), 'unknown_key');
      expect(await headSeq()).toBe(seq);
      expect((await keyRow('car-101')).status).toBe('out');
      await expectConsistent();
    });

    it('refuses an unknown person or key as an error, not a decision', async () => {
      const seq = await headSeq();
      await expectCode(checkout({ person: 'p-nobody', key: 'car-101', factors: ['pin'] }), 'unknown_person');
      await expectCode(checkout({ person: 'p-ruiz', key: 'car-999', factors: ['pin'] }), 'unknown_key');
      await expectCode(
        checkout({ person: 'p-chen', key: 'armory-main', factors: ['pin', 'badge'], witness: 'p-ghost' }),
        'unknown_person',
      );
      expect(await headSeq()).toBe(seq);
    });

    it('leaves nothing half-written when the transaction fails after the checkout', async () => {
      const seq = await headSeq();
      const outboxBefore = (await outboxRows()).length;
      await expect(
        db.transaction().execute(async (trx) => {
          const outcome = await recordCheckout(trx, ctx, {
            person: 'p-ruiz',
            key: 'car-101',
            factors: ['pin'],
          });
          expect(outcome.ok).toBe(true);
          expect(await trx.selectFrom('checkouts').select('id').execute()).toHaveLength(1);
          throw new Error('the cabinet link dropped before commit');
        }),
      ).rejects.toThrow('the cabinet link dropped before commit');
      expect(await db.selectFrom('checkouts').select('id').execute()).toEqual([]);
      expect(await keyRow('car-101')).toMatchObject({ status: 'in', current_checkout_id: null });
      expect(await slotHolder('central-a', 1)).toBe('car-101');
      expect(await headSeq()).toBe(seq);
      expect(await entriesAfter(seq)).toEqual([]);
      expect(await outboxRows()).toHaveLength(outboxBefore);
      await expectConsistent();
      // And the key can be taken afterwards, by the next transaction, as if nothing had happened.
      await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      await expectConsistent();
    });

    it('leaves nothing half-written when the transaction fails after a return', async () => {
      const taken = await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      const seq = await headSeq();
      await expect(
        db.transaction().execute(async (trx) => {
          await recordReturn(trx, ctx, { key: 'car-101', cabinet: 'central-a', slot: 1 });
          throw new Error('power cut');
        }),
      ).rejects.toThrow('power cut');
      expect(await keyRow('car-101')).toMatchObject({ status: 'out', current_checkout_id: taken.id });
      expect((await db.selectFrom('checkouts').select('status').executeTakeFirstOrThrow()).status).toBe(
        'open',
      );
      expect(await slotHolder('central-a', 1)).toBeNull();
      expect(await headSeq()).toBe(seq);
      await expectConsistent();
    });

    // A directory change made by another process (the CLI's `policy import`, the console) moves the directory
    // revision, and this process's cache recompiles before deciding.
    it('denies a person whom another process has just deactivated', async () => {
      expect((await checkout({ person: 'p-novak', key: 'car-102', factors: ['pin'] })).ok).toBe(true);
      await giveBack({ key: 'car-102', cabinet: 'central-a', slot: 2 });
      const elsewhere = newServiceContext(database.store);
      elsewhere.clock.set(WEDNESDAY_MORNING);
      const deactivated = RIVERSIDE_POLICY.replace(
        'email: i.novak@riverside.example }',
        'email: i.novak@riverside.example, active: false }',
      );
      await db
        .transaction()
        .execute((trx) => importPolicyVersion(trx, elsewhere, { source: deactivated, by: 'p-okafor' }));
      expect(
        (await db.selectFrom('people').select('active').where('id', '=', 'p-novak').executeTakeFirstOrThrow())
          .active,
      ).toBe(0);
      const outcome = await checkout({ person: 'p-novak', key: 'car-102', factors: ['pin'] });
      expect(outcome.decision).toMatchObject({ outcome: 'deny', code: 'person_inactive' });
    });

    it('decides with the version active at that instant, even when another process approved it', async () => {
      const underV1 = await takeOk({ person: 'p-ruiz', key: 'car-101', factors: ['pin'] });
      expect(underV1.policyVersion).toBe(1);
      // Version 2 is imported and approved elsewhere: this process's cache is not told.
      await db.transaction().execute(async (trx) => {
        const { version } = await importPolicyVersion(trx, ctx, { source: STRICTER_POLICY, by: 'p-okafor' });
        await approvePolicyVersion(trx, ctx, { version: version.version, by: 'p-chen' });
      });

      const seq = await headSeq();
      const refused = await checkout({ person: 'p-novak', key: 'car-102', factors: ['pin'] });
      expect(refused.ok).toBe(false);
      expect(refused.decision).toMatchObject({ outcome: 'needs', missing: { factors: 1 } });
      if (!refused.ok) expect(refused.policyVersion).toBe(2);
      const [denial] = await entriesAfter(seq);
      expect(denial).toMatchObject({ type: 'checkout.denied', policy_version: 2 });

      const underV2 = await takeOk({ person: 'p-novak', key: 'car-102', factors: ['pin', 'badge'] });
      expect(underV2).toMatchObject({
        policyVersion: 2,
        rule: 'officers-patrol-cars',
        dueAt: '2026-11-25T22:30:00.000Z',
      });
      const stored = await db
        .selectFrom('checkouts')
        .select(['id', 'policy_version'])
        .orderBy('taken_at')
        .execute();
      expect(new Map(stored.map((row) => [row.id, row.policy_version]))).toEqual(
        new Map([
          [underV1.id, 1],
          [underV2.id, 2],
        ]),
      );
      // The return of a checkout taken under version 1 is recorded against version 1.
      const seqBeforeReturn = await headSeq();
      await giveBack({ key: 'car-101', cabinet: 'central-a', slot: 1 });
      expect((await entriesAfter(seqBeforeReturn))[0]).toMatchObject({ type: 'return', policy_version: 1 });
      await expectConsistent();
    });
  });
}
