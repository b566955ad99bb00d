/**
 * A key that leaves its slot with no checkout: the cabinet reports it (the cabinet protocol arrives in a
 * later issue and calls this). In the caller's transaction: the key is marked missing and its slot empty,
 * the audit entry is appended, and the `unauthorised-removal` event is written to the outbox, whose
 * routing runs the policy's consequences (typically an incident and a message to the watch commander).
 */
import type { Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import { enqueueOutboxEvent } from '../notifications/outbox.js';
import type { DB } from '../store/schema.js';

export interface UnauthorisedRemoval {
  cabinet: string;
  slot: number;
  key: string;
  /** ISO 8601 UTC: when the cabinet saw the key leave; the clock's now when absent. */
  at?: string;
}

/** Records a key taken from its slot without a checkout; returns the outbox event id. */
export async function recordUnauthorisedRemoval(
  trx: Transaction<DB>,
  context: { audit: AuditLog; now: () => Date },
  removal: UnauthorisedRemoval,
): Promise<string> {
  const at = removal.at ?? context.now().toISOString();
  const key = await trx
    .selectFrom('keys')
    .select(['id', 'status'])
    .where('id', '=', removal.key)
    .executeTakeFirst();
  if (!key) throw new KeywardenError('unknown_key', `unknown key "${removal.key}"`);
  // A key that was in becomes missing; one already out or missing keeps its status (the report still counts).
  await trx
    .updateTable('keys')
    .set({ status: 'missing', updated_at: at })
    .where('id', '=', key.id)
    .where('status', '=', 'in')
    .execute();
  await trx
    .updateTable('slots')
    .set({ key_id: null })
    .where('cabinet_id', '=', removal.cabinet)
    .where('number', '=', removal.slot)
    .where('key_id', '=', key.id)
    .execute();
  const data = { slot: removal.slot, statusBefore: key.status };
  await context.audit.append(trx, {
    type: 'key.unauthorised-removal',
    at,
    key: key.id,
    cabinet: removal.cabinet,
    data,
  });
  return enqueueOutboxEvent(trx, {
    eventType: 'unauthorised-removal',
    at,
    idempotencyKey: `unauthorised-removal-${removal.cabinet}-${removal.slot}-${key.id}-${at}`,
    payload: { key: key.id, cabinet: removal.cabinet, slot: removal.slot, statusBefore: key.status },
  });
}
