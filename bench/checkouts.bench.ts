/**
 * Checkout + return pairs per second through the real service (recordCheckout, recordReturn, each in its own
 * Kysely transaction: re-decide, conditional key update, checkout row, audit append, outbox row), on SQLite in
 * both synchronous modes and on PostgreSQL, each beside a floor measured in the same run, on the same database
 * and through the same driver: one bare single-row INSERT transaction (BEGIN, INSERT, COMMIT).
 *
 * The service commits two transactions per pair, so its transactions/s is twice its pairs/s; the ratio printed
 * is service transactions/s over floor transactions/s. Floor and service alternate within each round so that
 * both see the same machine (load from other processes, WAL size, page cache); every figure is the median over
 * the rounds with min..max beside it. Targets (DESIGN): ratio >= 0.5 in every mode; >= 5,000 pairs/s on SQLite
 * with synchronous=NORMAL.
 *
 * Policy: the generated fleet policy (200 keys, 200 officers, one factor in business hours); the clock stands
 * at Wednesday 2026-11-25 10:30 at the depot, so every checkout is allowed. Pair i takes key i mod 200 as
 * officer i mod 200 and puts it back in its home slot.
 *
 * Run alone: node --import tsx bench/checkouts.bench.ts [mode]   (BENCH_QUICK=1 for a smoke run; `mode` picks
 * the modes whose label contains it, e.g. `normal`, `postgres`, `8 clients`)
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import { recordCheckout, recordReturn } from '../src/checkouts/checkouts.service.js';
import {
  buildFleetPolicy,
  FLEET_APPROVER,
  FLEET_AUTHOR,
  fleetHomeOf,
  fleetKeyId,
  fleetOfficerId,
} from '../src/checkouts/fleet-policy.testing.js';
import type { Dialect } from '../src/store/database.js';
import { createTestDatabase, testDialects } from '../src/store/test-databases.js';
import { newServiceContext, TestClock } from '../src/testing/service-context.js';
import { fmt, heading, printTable, QUICK, type Spread, type SummaryRow, spread } from './stats.js';

const KEYS = 200;
const ROUNDS = QUICK ? 3 : 5;
/** How long each half of a round (floor, then service, or the other way round) runs. */
const PHASE_MS = QUICK ? 600 : 2000;

interface Mode {
  label: string;
  dialect: Dialect;
  synchronous?: 'full' | 'normal';
  /** Clients working at once (PostgreSQL only; SQLite has one connection and one writer). */
  clients: number;
  pairTarget?: number;
}

interface FloorDB {
  bench_floor: { id: number; at: string; note: string };
}

interface ModeResult {
  mode: Mode;
  pairs: Spread;
  serviceTx: Spread;
  floorTx: Spread;
  ratio: Spread;
  pairCpu: Spread;
  floorCpu: Spread;
}

interface Rate {
  perSecond: number;
  /** Microseconds of this process's CPU (user + system) per operation; the database server's is not counted. */
  cpuMicros: number;
}

/** Runs `op` from `clients` loops for `ms`; returns operations per second and this process's CPU per operation. */
async function measureRate(ms: number, clients: number, op: (n: number) => Promise<void>): Promise<Rate> {
  let next = 0;
  let done = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        await op(next++);
        done++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { perSecond: (done / elapsed) * 1000, cpuMicros: (used.user + used.system) / done };
}

async function benchMode(mode: Mode): Promise<ModeResult> {
  const database = await createTestDatabase(
    mode.dialect,
    mode.synchronous ? { synchronous: mode.synchronous } : {},
  );
  try {
    const store = database.store;
    const context = newServiceContext(store, new TestClock(Date.parse('2026-11-25T16:30:00Z')));
    await context.activatePolicy(
      buildFleetPolicy({ keys: KEYS, officers: KEYS }),
      FLEET_AUTHOR,
      FLEET_APPROVER,
    );

    const floorDb = store.db as unknown as Kysely<FloorDB>;
    await floorDb.schema
      .createTable('bench_floor')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull())
      .execute();
    let floorId = 0;
    const floorTransaction = async () => {
      const id = ++floorId;
      await floorDb
        .transaction()
        .execute((trx) =>
          trx.insertInto('bench_floor').values({ id, at: new Date().toISOString(), note: 'floor' }).execute(),
        );
    };

    // With several clients, pair n must not take a key another client still holds: n mod KEYS is free as long
    // as fewer than KEYS pairs are in flight.
    const pair = async (n: number) => {
      const index = n % KEYS;
      const key = fleetKeyId(index);
      const outcome = await store.db
        .transaction()
        .execute((trx) =>
          recordCheckout(trx, context, { person: fleetOfficerId(index), key, factors: ['pin'] }),
        );
      if (!outcome.ok) throw new Error(`checkout of ${key} refused: ${outcome.decision.explanation}`);
      await store.db
        .transaction()
        .execute((trx) => recordReturn(trx, context, { key, ...fleetHomeOf(index) }));
    };

    // Warm up: statement caches, the compiled policy, JIT.
    await measureRate(PHASE_MS / 4, mode.clients, floorTransaction);
    await measureRate(PHASE_MS / 4, mode.clients, pair);

    const pairs: Rate[] = [];
    const floors: Rate[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        floors.push(await measureRate(PHASE_MS, mode.clients, floorTransaction));
        pairs.push(await measureRate(PHASE_MS, mode.clients, pair));
      } else {
        pairs.push(await measureRate(PHASE_MS, mode.clients, pair));
        floors.push(await measureRate(PHASE_MS, mode.clients, floorTransaction));
      }
    }
    return {
      mode,
      pairs: spread(pairs.map((p) => p.perSecond)),
      serviceTx: spread(pairs.map((p) => 2 * p.perSecond)),
      floorTx: spread(floors.map((f) => f.perSecond)),
      ratio: spread(pairs.map((p, i) => (2 * p.perSecond) / (floors[i] as Rate).perSecond)),
      pairCpu: spread(pairs.map((p) => p.cpuMicros)),
      floorCpu: spread(floors.map((f) => f.cpuMicros)),
    };
  } finally {
    await database.drop();
  }
}

const range = (s: Spread, digits = 0) => `${fmt(s.min, digits)}..${fmt(s.max, digits)}`;

function printMode(result: ModeResult): void {
  const { mode, pairs, serviceTx, floorTx, ratio, pairCpu, floorCpu } = result;
  const ratioOk = ratio.median >= 0.5;
  const pairsOk = mode.pairTarget === undefined || pairs.median >= mode.pairTarget;
  printTable([
    ['figure', 'median', `min..max (${pairs.n} rounds)`],
    ['checkout+return pairs/s', fmt(pairs.median), range(pairs)],
    ['service transactions/s (2 per pair)', fmt(serviceTx.median), range(serviceTx)],
    ['floor transactions/s (1-row INSERT)', fmt(floorTx.median), range(floorTx)],
    ['ratio service tx/s : floor tx/s', fmt(ratio.median, 3), range(ratio, 3)],
    ['this process CPU us per pair', fmt(pairCpu.median), range(pairCpu)],
    ['this process CPU us per floor tx', fmt(floorCpu.median), range(floorCpu)],
  ]);
  console.log(
    `target ratio >= 0.5: ${ratioOk ? 'met' : 'NOT met'}` +
      (mode.pairTarget === undefined
        ? ''
        : `; target >= ${fmt(mode.pairTarget)} pairs/s: ${pairsOk ? 'met' : 'NOT met'}`),
  );
}

/**
 * Benchmarks every mode this machine can run (or those whose label contains `only`); prints each and returns
 * summary rows for run-all.
 */
export async function runCheckoutsBench(only?: string): Promise<SummaryRow[]> {
  const modes: Mode[] = [
    { label: 'SQLite WAL synchronous=FULL', dialect: 'sqlite', synchronous: 'full', clients: 1 },
    {
      label: 'SQLite WAL synchronous=NORMAL',
      dialect: 'sqlite',
      synchronous: 'normal',
      clients: 1,
      pairTarget: 5000,
    },
  ];
  if ((await testDialects()).includes('postgres')) {
    modes.push({ label: 'PostgreSQL synchronous_commit=on, 1 client', dialect: 'postgres', clients: 1 });
    modes.push({ label: 'PostgreSQL synchronous_commit=on, 8 clients', dialect: 'postgres', clients: 8 });
  }
  const rows: SummaryRow[] = [];
  for (const mode of modes.filter((m) => !only || m.label.toLowerCase().includes(only.toLowerCase()))) {
    heading(`Checkouts: ${mode.label}`);
    console.log(
      `${ROUNDS} rounds of ${PHASE_MS / 1000} s floor + ${PHASE_MS / 1000} s service (alternating order); ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const result = await benchMode(mode);
    printMode(result);
    rows.push({
      what: `checkout+return pairs/s, ${mode.label}`,
      value: `${fmt(result.pairs.median)} pairs/s`,
      spread: range(result.pairs),
      note:
        `${fmt(result.serviceTx.median)} tx/s = ${fmt(result.ratio.median, 2)} x floor ${fmt(result.floorTx.median)} tx/s` +
        ` (target 0.5${mode.pairTarget ? `; ${fmt(mode.pairTarget)} pairs/s` : ''})`,
    });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runCheckoutsBench(process.argv[2]);
  heading('Summary');
  printTable([
    ['figure', 'median', 'spread', 'note'],
    ...rows.map((r) => [r.what, r.value, r.spread, r.note]),
  ]);
}
