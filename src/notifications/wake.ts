/**
 * Waking the background workers the moment work is committed, without polling on the hot path.
 *
 * `wakeOnCommit(trx, channel)` is called inside the transaction that writes the work (an outbox event, a
 * notification message). On PostgreSQL it runs `pg_notify`, which PostgreSQL delivers to every listening
 * session only if and when the transaction commits: every server process LISTENing on the channel hears it
 * (see listenForWakes), and a rolled-back write wakes no one. On SQLite (one process, one connection whose
 * statements run one after another) it signals this process at once: a worker woken this way queues its
 * read behind the writing transaction on the same connection, so it reads after the commit.
 *
 * A wake is a hint, never the data: workers also look again on a slow timer, so a lost wake costs latency,
 * never a message.
 */
import { EventEmitter } from 'node:events';
import { sql, type Transaction } from 'kysely';
import { dialectOf } from '../store/dialect-of.js';
import type { DB } from '../store/schema.js';

/** PostgreSQL channel names (also the in-process event names). */
export const WAKE_CHANNELS = {
  /** A new outbox event: the event router turns it into messages. */
  outbox: 'keywarden_outbox',
  /** A new or re-queued notification message: the sender delivers it. */
  messages: 'keywarden_messages',
} as const;
export type WakeChannel = (typeof WAKE_CHANNELS)[keyof typeof WAKE_CHANNELS];

const wakes = new EventEmitter();
wakes.setMaxListeners(0);

/**
 * Channels that a PostgreSQL trigger notifies on insert (migration 2026-11-28T04-outbox-wake-trigger): an
 * outbox event is written on every checkout and return, and the trigger saves that path a round trip.
 */
const NOTIFIED_BY_TRIGGER: ReadonlySet<WakeChannel> = new Set([WAKE_CHANNELS.outbox]);

/**
 * Wakes the workers of `channel` once `trx` commits (PostgreSQL) or now, behind `trx` (SQLite). Call it
 * in the transaction that inserted the work (for the outbox channel, on PostgreSQL, the insert's trigger
 * has already done it).
 */
export async function wakeOnCommit(trx: Transaction<DB>, channel: WakeChannel): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    if (!NOTIFIED_BY_TRIGGER.has(channel)) await sql`select pg_notify(${channel}, '')`.execute(trx);
    return;
  }
  wakes.emit(channel);
}

/** Wakes this process's workers of `channel` (called by the PostgreSQL listener on NOTIFY). */
export function wakeLocally(channel: WakeChannel): void {
  wakes.emit(channel);
}

/** Calls `listener` on every wake of `channel` in this process; returns the unsubscribe function. */
export function onWake(channel: WakeChannel, listener: () => void): () => void {
  wakes.on(channel, listener);
  return () => wakes.off(channel, listener);
}
