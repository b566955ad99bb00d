/**
 * A stream of checkouts and returns for crash-safety.test.ts, which kills this process with SIGKILL at an
 * arbitrary point and restarts it:
 *
 *   node --import tsx test/crash/checkout-stream-worker.ts <database-url> <keys>
 *
 * On start it returns every key still out (a previous run was killed between a checkout and its return) and
 * prints `RECOVERED <checkout id>` for each. Then, round after round, it checks out key i mod <keys> and
 * prints `ACK <checkout id>` only after that transaction has committed, then returns the key and prints
 * `RET <checkout id>`. stdout is a pipe, which Node writes synchronously on Linux: a line printed is a line
 * the parent can read even if this process dies the next instant. It exits when stdin closes (its parent
 * is gone) so that it can never outlive the test.
 */
import { recordCheckout, recordReturn } from '../../src/checkouts/checkouts.service.js';
import { fleetHomeOf, fleetKeyId, fleetOfficerId } from '../../src/checkouts/fleet-policy.testing.js';
import { openStore } from '../../src/store/database.js';
import { newServiceContext, TestClock } from '../../src/testing/service-context.js';

const [url, keysText] = process.argv.slice(2);
const keyCount = Number(keysText);
if (!url || !Number.isInteger(keyCount) || keyCount < 1) {
  console.error('usage: checkout-stream-worker.ts <database-url> <keys>');
  process.exit(2);
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const store = openStore(url);
// Business hours at the fleet depot (Wednesday from 08:00 local), a second further on for every transaction,
// carrying on from the last audit entry of a previous run.
const last = await store.db
  .selectFrom('audit_entries')
  .select((eb) => eb.fn.max('at').as('at'))
  .executeTakeFirst();
const clock = new TestClock(
  Math.max(Date.parse('2026-11-25T14:00:00Z'), Date.parse(String(last?.at ?? 0)) || 0),
);
const context = newServiceContext(store, clock);

const stillOut = await store.db
  .selectFrom('checkouts')
  .select(['id', 'key_id'])
  .where('status', '=', 'open')
  .execute();
for (const open of stillOut) {
  const index = Number(open.key_id.slice('car-'.length)) - 1;
  await store.db
    .transaction()
    .execute((trx) => recordReturn(trx, context, { key: open.key_id, ...fleetHomeOf(index) }));
  process.stdout.write(`RECOVERED ${open.id}\n`);
}

for (let round = 0; ; round++) {
  const index = round % keyCount;
  const key = fleetKeyId(index);
  clock.advance(1000);
  const outcome = await store.db
    .transaction()
    .execute((trx) => recordCheckout(trx, context, { person: fleetOfficerId(index), key, factors: ['pin'] }));
  if (!outcome.ok) throw new Error(`checkout of ${key} refused: ${outcome.decision.explanation}`);
  process.stdout.write(`ACK ${outcome.checkout.id}\n`);
  clock.advance(1000);
  await store.db.transaction().execute((trx) => recordReturn(trx, context, { key, ...fleetHomeOf(index) }));
  process.stdout.write(`RET ${outcome.checkout.id}\n`);
}
