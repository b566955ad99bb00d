/**
 * One contender in a race for keys, run as its own process by src/checkouts/concurrent-checkout.test.ts:
 *
 *   node --import tsx test/crash/checkout-contender.ts <database-url> <person> <key,key,...>
 *
 * Opens the database, warms up (compiles the active policy), prints `READY`, then waits for a line
 * `GO <t0> <intervalMs>` on stdin. Round i tries to check out key i at wall-clock time t0 + i * interval, so
 * that two contenders started together try each key at the same moment. Finally prints one JSON line:
 * `{"results":[{"key","ok","code","checkout","startedAt","endedAt"}]}` (times in ms since the epoch).
 */
import { createInterface } from 'node:readline';
import { recordCheckout } from '../../src/checkouts/checkouts.service.js';
import { KeywardenError } from '../../src/domain/errors.js';
import { openStore } from '../../src/store/database.js';
import { newServiceContext, TestClock } from '../../src/testing/service-context.js';

const [url, person, keyList] = process.argv.slice(2);
if (!url || !person || !keyList) {
  console.error('usage: checkout-contender.ts <database-url> <person> <key,key,...>');
  process.exit(2);
}
const keys = keyList.split(',');

interface Attempt {
  key: string;
  ok: boolean;
  code: string | null;
  checkout: string | null;
  startedAt: number;
  endedAt: number;
}

/** Waits until a wall-clock instant: a timer for most of the way, then a short spin for precision. */
async function waitUntil(epochMs: number): Promise<void> {
  const lead = epochMs - Date.now() - 3;
  if (lead > 0) await new Promise((resolve) => setTimeout(resolve, lead));
  while (Date.now() < epochMs) {
    // spin for the last few milliseconds
  }
}

const store = openStore(url);
// Wednesday 2026-11-25 10:30 at the fleet depot: business hours, one factor is enough.
const context = newServiceContext(store, new TestClock(Date.parse('2026-11-25T16:30:00Z')));
// Warm up (compiled policy, prepared statements, JIT) with a checkout that is rolled back, so that the first
// real attempt is as fast as the others.
const WARM_UP = new Error('warm-up: roll back');
await store.db
  .transaction()
  .execute(async (trx) => {
    await recordCheckout(trx, context, { person, key: keys[0] as string, factors: ['pin'] });
    throw WARM_UP;
  })
  .catch((error: unknown) => {
    if (error !== WARM_UP) throw error;
  });

const lines = createInterface({ input: process.stdin });
process.stdout.write('READY\n');
const go = await new Promise<string>((resolve) => lines.once('line', resolve));
const [, t0Text, intervalText] = go.split(' ');
const t0 = Number(t0Text);
const interval = Number(intervalText);

const results: Attempt[] = [];
for (const [round, key] of keys.entries()) {
  await waitUntil(t0 + round * interval);
  const startedAt = performance.timeOrigin + performance.now();
  try {
    const outcome = await store.db
      .transaction()
      .execute((trx) => recordCheckout(trx, context, { person, key, factors: ['pin'] }));
    results.push({
      key,
      ok: outcome.ok,
      code: outcome.ok ? null : (outcome.decision.code ?? outcome.decision.outcome),
      checkout: outcome.ok ? outcome.checkout.id : null,
      startedAt,
      endedAt: performance.timeOrigin + performance.now(),
    });
  } catch (error) {
    const code =
      error instanceof KeywardenError
        ? error.code
        : String((error as { code?: unknown }).code ?? (error as Error).message);
    results.push({
      key,
      ok: false,
      code,
      checkout: null,
      startedAt,
      endedAt: performance.timeOrigin + performance.now(),
    });
  }
}
process.stdout.write(`${JSON.stringify({ results })}\n`);
lines.close();
await store.close();
