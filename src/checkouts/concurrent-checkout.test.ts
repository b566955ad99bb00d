/**
 * Two people checking out the same key at the same moment: exactly one succeeds, on both databases. Tested
 * with real concurrency twice over: two connections in this process (two stores opened on one URL), and two
 * separate processes released together by a barrier.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditDatabase } from '../audit/audit-verify.js';
import { KeywardenError } from '../domain/errors.js';
import { openStore, type Store } from '../store/database.js';
import type { DB } from '../store/schema.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext, TestClock } from '../testing/service-context.js';
import { recordCheckout, recordReturn } from './checkouts.service.js';
import {
  buildFleetPolicy,
  FLEET_APPROVER,
  FLEET_AUTHOR,
  fleetKeyId,
  fleetOfficerId,
} from './fleet-policy.testing.js';
import { checkCheckoutRecords, checkKeyInvariants, verifyAuditChain } from './store-invariants.testing.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONTENDER = fileURLToPath(new URL('../../test/crash/checkout-contender.ts', import.meta.url));
const ROUNDS = 20;
const WEDNESDAY_MORNING = Date.parse('2026-11-25T16:30:00Z');

interface Attempt {
  key: string;
  ok: boolean;
  code: string | null;
  checkout: string | null;
  startedAt: number;
  endedAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * better-sqlite3 is synchronous: in one process, a second connection waiting for the write lock would block
 * the very event loop the first needs to commit. So in-process SQLite connections do not wait (busy_timeout 0)
 * and retry after yielding, as a server holding two connections would have to.
 */
async function retryWhileBusy<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt > 2000) throw error;
      await sleep(1);
    }
  }
}

async function attempt(store: Store, person: string, key: string): Promise<Attempt> {
  const context = contexts.get(store) as ReturnType<typeof newServiceContext>;
  const startedAt = Date.now();
  try {
    const outcome = await retryWhileBusy(() =>
      store.db
        .transaction()
        .execute((trx) => recordCheckout(trx, context, { person, key, factors: ['pin'] })),
    );
    return {
      key,
      ok: outcome.ok,
      code: outcome.ok ? null : (outcome.decision.code ?? outcome.decision.outcome),
      checkout: outcome.ok ? outcome.checkout.id : null,
      startedAt,
      endedAt: Date.now(),
    };
  } catch (error) {
    if (!(error instanceof KeywardenError)) throw error;
    return { key, ok: false, code: error.code, checkout: null, startedAt, endedAt: Date.now() };
  }
}
const contexts = new Map<Store, ReturnType<typeof newServiceContext>>();

async function openContender(url: string): Promise<Store> {
  const store = openStore(url);
  if (store.dialect === 'sqlite') await sql`pragma busy_timeout = 0`.execute(store.db);
  const context = newServiceContext(store, new TestClock(WEDNESDAY_MORNING));
  await context.policies.get();
  contexts.set(store, context);
  return store;
}

/** Starts a contender process; resolves `ready` at its READY line and `results` at its JSON line. */
function startContender(url: string, person: string, keys: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', CONTENDER, url, person, keys.join(',')],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const failed = (what: string) => async () => {
    const code = await exited;
    throw new Error(`contender ${person} exited (${code}) before ${what}:\n${stderr}`);
  };
  const ready = Promise.race([
    new Promise<void>((resolve) => lines.on('line', (line) => line === 'READY' && resolve())),
    exited.then(failed('READY')),
  ]);
  const results = Promise.race([
    new Promise<Attempt[]>((resolve) =>
      lines.on('line', (line) => {
        if (line.startsWith('{')) resolve((JSON.parse(line) as { results: Attempt[] }).results);
      }),
    ),
    exited.then(failed('its results')),
  ]);
  return { child, ready, results, exited };
}

async function openCheckouts(db: Kysely<DB>) {
  return db
    .selectFrom('checkouts')
    .select(['id', 'key_id', 'person_id'])
    .where('status', '=', 'open')
    .execute();
}

/** Exactly one winner per key, the other refused with key_unavailable, and the database agreeing. */
async function expectOneWinnerPerKey(
  db: Kysely<DB>,
  keys: string[],
  a: Attempt[],
  b: Attempt[],
  seqBefore: number,
) {
  expect(a.map((r) => r.key)).toEqual(keys);
  expect(b.map((r) => r.key)).toEqual(keys);
  const open = await openCheckouts(db);
  const openByKey = new Map(open.map((row) => [row.key_id, row]));
  for (const [index, key] of keys.entries()) {
    const pair = [a[index] as Attempt, b[index] as Attempt];
    const winners = pair.filter((r) => r.ok);
    expect(winners, `winners for ${key}`).toHaveLength(1);
    const loser = pair.find((r) => !r.ok) as Attempt;
    expect(loser.code, `loser's refusal for ${key}`).toBe('key_unavailable');
    expect(openByKey.get(key)?.id).toBe(winners[0]?.checkout);
    const keyRow = await db.selectFrom('keys').selectAll().where('id', '=', key).executeTakeFirstOrThrow();
    expect(keyRow).toMatchObject({ status: 'out', current_checkout_id: winners[0]?.checkout });
  }
  expect(open).toHaveLength(keys.length);
  expect(await checkKeyInvariants(db)).toEqual([]);
  expect(await checkCheckoutRecords(db)).toEqual([]);
  const chain = await verifyAuditChain(db);
  expect(chain.problems).toEqual([]);
  // One entry per winner; a loser's transaction was rolled back and left no entry and no gap.
  expect(chain.entries).toBe(seqBefore + keys.length);
  // And the product's own verifier agrees.
  const verified = await verifyAuditDatabase(db);
  expect(verified.failure).toBeNull();
  expect(verified).toMatchObject({ ok: true, entries: chain.entries });
}

/** Rounds in which the two attempts overlapped in time: proof that the race was real. */
function overlapping(a: Attempt[], b: Attempt[]): number {
  return a.filter((x, i) => {
    const y = b[i] as Attempt;
    return x.startedAt < y.endedAt && y.startedAt < x.endedAt;
  }).length;
}

for (const dialect of await testDialects()) {
  describe(`concurrent checkouts (${dialect})`, () => {
    let database: TestDatabase;
    const extraStores: Store[] = [];

    beforeEach(async () => {
      database = await createTestDatabase(dialect);
    });
    afterEach(async () => {
      for (const store of extraStores.splice(0)) {
        contexts.delete(store);
        await store.close();
      }
      await database.drop();
    });

    async function activateFleet(require?: Record<string, number | string>) {
      const ctx = newServiceContext(database.store, new TestClock(WEDNESDAY_MORNING));
      await ctx.activatePolicy(
        buildFleetPolicy({ keys: ROUNDS, officers: 4, ...(require ? { require } : {}) }),
        FLEET_AUTHOR,
        FLEET_APPROVER,
      );
      return (await database.store.db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq;
    }

    it('lets exactly one of two connections take each key when both try at once', async () => {
      const seqBefore = await activateFleet();
      const storeA = await openContender(database.url);
      const storeB = await openContender(database.url);
      extraStores.push(storeA, storeB);
      const keys = Array.from({ length: ROUNDS }, (_, i) => fleetKeyId(i));
      const a: Attempt[] = [];
      const b: Attempt[] = [];
      for (const [round, key] of keys.entries()) {
        // Alternate who starts first, so that neither side always wins.
        const tries =
          round % 2 === 0
            ? [attempt(storeA, fleetOfficerId(0), key), attempt(storeB, fleetOfficerId(1), key)]
            : [attempt(storeB, fleetOfficerId(1), key), attempt(storeA, fleetOfficerId(0), key)].reverse();
        const [resultA, resultB] = await Promise.all(tries);
        a.push(resultA as Attempt);
        b.push(resultB as Attempt);
      }
      await expectOneWinnerPerKey(database.store.db, keys, a, b, seqBefore);
      expect(a.some((r) => r.ok) && b.some((r) => r.ok), 'both connections won some keys').toBe(true);
    });

    it('serialises one person taking two keys at once, so maxKeysOut holds', async () => {
      await activateFleet({ maxKeysOut: 1 });
      const storeA = await openContender(database.url);
      const storeB = await openContender(database.url);
      extraStores.push(storeA, storeB);
      const [first, second] = await Promise.all([
        attempt(storeA, fleetOfficerId(0), fleetKeyId(0)),
        attempt(storeB, fleetOfficerId(0), fleetKeyId(1)),
      ]);
      expect([first?.ok, second?.ok].filter(Boolean)).toHaveLength(1);
      expect([first, second].find((r) => !r?.ok)?.code).toBe('max_keys_out');
      expect(await openCheckouts(database.store.db)).toHaveLength(1);
      expect((await verifyAuditChain(database.store.db)).problems).toEqual([]);
    });

    it('puts only one of two keys returned at once into the same empty slot', async () => {
      await activateFleet();
      const storeA = await openContender(database.url);
      const storeB = await openContender(database.url);
      extraStores.push(storeA, storeB);
      for (let round = 0; round < 5; round++) {
        const [one, two] = [fleetKeyId(2 * round), fleetKeyId(2 * round + 1)];
        expect((await attempt(storeA, fleetOfficerId(0), one)).ok).toBe(true);
        expect((await attempt(storeB, fleetOfficerId(1), two)).ok).toBe(true);
        // Both are put into slot 50 of cab-1, which no key calls home, at the same moment.
        const results = await Promise.allSettled(
          [
            [storeA, one],
            [storeB, two],
          ].map(([store, key]) => {
            const context = contexts.get(store as Store) as ReturnType<typeof newServiceContext>;
            return retryWhileBusy(() =>
              (store as Store).db
                .transaction()
                .execute((trx) =>
                  recordReturn(trx, context, { key: key as string, cabinet: 'cab-1', slot: 50 }),
                ),
            );
          }),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toBeInstanceOf(KeywardenError);
        expect((refused.reason as KeywardenError).code).toBe('invalid_request');
        expect(await checkKeyInvariants(database.store.db)).toEqual([]);
        // Clear the slot for the next round: take the returned key out again.
        const inSlot = await database.store.db
          .selectFrom('slots')
          .select('key_id')
          .where('cabinet_id', '=', 'cab-1')
          .where('number', '=', 50)
          .executeTakeFirstOrThrow();
        expect((await attempt(storeA, fleetOfficerId(2), inSlot.key_id as string)).ok).toBe(true);
      }
      expect((await verifyAuditChain(database.store.db)).problems).toEqual([]);
    });

    it('lets exactly one of two processes take each key when both try at the same instant', async () => {
      const seqBefore = await activateFleet();
      const keys = Array.from({ length: ROUNDS }, (_, i) => fleetKeyId(i));
      const one = startContender(database.url, fleetOfficerId(0), keys);
      const two = startContender(database.url, fleetOfficerId(1), keys);
      try {
        await Promise.all([one.ready, two.ready]);
        const interval = 150;
        const go = `GO ${Date.now() + 300} ${interval}\n`;
        one.child.stdin.write(go);
        two.child.stdin.write(go);
        const [a, b] = await Promise.all([one.results, two.results]);
        expect(await one.exited).toBe(0);
        expect(await two.exited).toBe(0);
        await expectOneWinnerPerKey(database.store.db, keys, a, b, seqBefore);
        // The barrier puts both attempts at the same instant: most rounds overlap in time.
        expect(
          overlapping(a, b),
          'rounds in which both processes were in a checkout at once',
        ).toBeGreaterThanOrEqual(5);
      } finally {
        one.child.kill('SIGKILL');
        two.child.kill('SIGKILL');
      }
    }, 60_000);
  });
}
