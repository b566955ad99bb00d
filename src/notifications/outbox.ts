/**
 * The outbox: messages to send, written in the same transaction as the event that causes them, so that an
 * event is announced if and only if it happened. The event router (event-router.ts) turns them into
 * notification messages, which the sender delivers (retries, idempotency).
 */
import type { Transaction } from 'kysely';
import { newId } from '../store/ids.js';
import { type Params, prepareQuery } from '../store/prepared-query.js';
import type { DB } from '../store/schema.js';
import { WAKE_CHANNELS, wakeOnCommit } from './wake.js';

// On every checkout and return: compiled once (see prepared-query.ts).
const insertEvent = prepareQuery(
  (db, p: Params<{ id: string; key: string; type: string; payload: string; at: string }>) =>
    db.insertInto('outbox').values({
      id: p.id,
      idempotency_key: p.key,
      event_type: p.type,
      payload: p.payload,
      status: 'pending',
      available_at: p.at,
      created_at: p.at,
      delivered_at: null,
      last_error: null,
    }),
);

export interface OutboxEvent {
  /** checkout | return | denied | overdue | approval-requested | door-open | cabinet-offline | policy-changed */
  eventType: string;
  payload: Record<string, unknown>;
  /** Stable across retries of the same cause; defaults to a new id. */
  idempotencyKey?: string;
  at: string;
}

/** Enqueues one event for the event router, which is woken when `trx` commits; returns its id. */
export async function enqueueOutboxEvent(trx: Transaction<DB>, event: OutboxEvent): Promise<string> {
  const id = newId(Date.parse(event.at));
  await insertEvent.execute(trx, {
    id,
    key: event.idempotencyKey ?? id,
    type: event.eventType,
    payload: JSON.stringify(event.payload),
    at: event.at,
  });
  await wakeOnCommit(trx, WAKE_CHANNELS.outbox);
  return id;
}
