/**
 * One contender presenting an authenticator code, run as its own process by totp-concurrency.test.ts:
 *
 *   node --import tsx src/credentials/totp-contender.testing.ts <database-url> <secrets-key> <person> <epoch-ms> <code>
 *
 * Opens the database, warms up (a verification that is rolled back), prints `READY`, waits for a line `GO`
 * on stdin, presents the code once at the given instant and prints one JSON line with the result.
 */
import { createInterface } from 'node:readline';
import { AuditLog } from '../audit/audit-log.js';
import { openStore } from '../store/database.js';
import { verifyFactor } from './factor-verification.js';
import { SecretBox } from './secret-box.js';

const [url, keyPath, person, epochText, code] = process.argv.slice(2);
if (!url || !keyPath || !person || !epochText || !code) {
  console.error('usage: totp-contender.testing.ts <database-url> <secrets-key> <person> <epoch-ms> <code>');
  process.exit(2);
}
const now = () => new Date(Number(epochText));
const store = openStore(url);
const context = { audit: new AuditLog({ now }), now, secrets: new SecretBox({ path: keyPath }) };
const where = { cabinet: 'central-a' };

const WARM_UP = new Error('warm-up: roll back');
await store.db
  .transaction()
  .execute(async (trx) => {
    await verifyFactor(trx, context, person, { kind: 'totp', value: '000000' }, where);
    throw WARM_UP;
  })
  .catch((error: unknown) => {
    if (error !== WARM_UP) throw error;
  });

const lines = createInterface({ input: process.stdin });
process.stdout.write('READY\n');
await new Promise<string>((resolve) => lines.once('line', resolve));
const result = await store.db
  .transaction()
  .execute((trx) => verifyFactor(trx, context, person, { kind: 'totp', value: code }, where));
process.stdout.write(`${JSON.stringify(result)}\n`);
lines.close();
await store.close();
