/**
 * A second process appending to the audit log, for the concurrency test (as several server processes would).
 * SQLite cannot be tested with two connections in one process: better-sqlite3 waits for a lock synchronously,
 * blocking the very event loop that would release it.
 *
 *   node --import tsx src/audit/append-entries.testing.ts DB_URL KEY_FILE COUNT OFFSET START_AT_MS
 */
import { openStore } from '../store/database.js';
import { AuditCheckpoints } from './audit-checkpoints.js';
import { AuditLog } from './audit-log.js';
import { sampleEntry } from './audit-log.testing.js';
import { loadAuditSigningKey } from './audit-signing-key.js';

const [url, keyFile, count, offset, startAt] = process.argv.slice(2);
if (!url || !keyFile || !count || !offset || !startAt)
  throw new Error('usage: DB_URL KEY_FILE COUNT OFFSET START_AT_MS');

const store = openStore(url);
const log = new AuditLog({
  checkpoints: new AuditCheckpoints({ key: loadAuditSigningKey(keyFile), every: 10 }),
});
// Both processes start appending at the same instant, so their transactions interleave.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
for (let i = 0; i < Number(count); i++) {
  await store.db.transaction().execute((trx) => log.append(trx, sampleEntry(Number(offset) + i)));
}
await store.close();
