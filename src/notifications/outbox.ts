/**
 * The outbox: messages to send, written in the same transaction as the event that causes them, so that an
 * event is announced if and only if it happened. A dispatcher delivers them later (retries, idempotency).
 */
import type { Transaction } from 'kysely';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';

export interface OutboxEvent {
  /** checkout | return | denied | overdue | approval-requested | door-open | cabinet-offline | policy-changed */
  eventType: string;
  payload: Record<string, unknown>;
  /** Stable across retries of the same cause; defaults to a new id. */
  idempotencyKey?: string;
  at: string;
}

/** Enqueues one event for the dispatcher; returns its id. */
export async function enqueueOutboxEvent(trx: Transaction<DB>, event: OutboxEvent): Promise<string> {
  const id = newId(Date.parse(event.at));
  await trx
    .insertInto('outbox')
    .values({
      id,
      idempotency_key: event.idempotencyKey ?? id,
      event_type: event.eventType,
      payload: JSON.stringify(event.payload),
      status: 'pending',
      available_at: event.at,
      created_at: event.at,
      delivered_at: null,
      last_error: null,
    })
    .execute();
  return id;
}
