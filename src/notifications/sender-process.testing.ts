/**
 * A dispatcher process for sender-crash.test.ts, which kills it with SIGKILL in the middle of sending:
 *
 *   node --import tsx src/notifications/sender-process.testing.ts DB_URL SECRETS_KEY_FILE LEASE_MS
 *
 * It runs a NotificationSender the way `keywarden serve` does (start(): woken, then by its own timer), on the
 * real clock, with a short lease so the test need not wait two minutes for the rows it leaves claimed. It
 * prints `READY` once started and exits when stdin closes (its parent is gone), so it cannot outlive a test.
 */
import { AuditLog } from '../audit/audit-log.js';
import { SecretBox } from '../credentials/secret-box.js';
import { InProcessLiveEvents } from '../live/live-events.js';
import { openStore } from '../store/database.js';
import { NotificationSender } from './notification-sender.js';

const [url, keyFile, leaseText] = process.argv.slice(2);
const leaseMs = Number(leaseText);
if (!url || !keyFile || !Number.isInteger(leaseMs) || leaseMs < 1) {
  console.error('usage: sender-process.testing.ts DB_URL SECRETS_KEY_FILE LEASE_MS');
  process.exit(2);
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const store = openStore(url);
const now = () => new Date();
const sender = new NotificationSender(
  store.db,
  {
    audit: new AuditLog({ now }),
    now,
    secrets: new SecretBox({ path: keyFile }),
    live: new InProcessLiveEvents(),
  },
  { leaseMs, concurrency: 4, batchSize: 8, onError: (error) => console.error(error) },
);
sender.start();
console.log('READY');
