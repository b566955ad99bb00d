/**
 * Checkouts and returns: the short, atomic path of DESIGN.md. In the caller's one transaction: re-decide
 * with the active policy at that instant, change the key's status only if it is still in (so two people can
 * never take one key), write the checkout with the deciding version, append the audit entry, enqueue the
 * outbox event. A denial is recorded too (audit + outbox) and returned, not thrown, so that the caller
 * commits the record of it.
 */
import { sql, type Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import { type Decision, DecisionInputError, decide } from '../domain/policy/decide.js';
import type { FactorKind } from '../domain/policy/policy-file.js';
import { enqueueOutboxEvent } from '../notifications/outbox.js';
import type { ActivePolicyCache } from '../policy/active-policy.js';
import { dialectOf } from '../store/dialect-of.js';
import { newId } from '../store/ids.js';
import type { CheckoutRow, DB } from '../store/schema.js';

export interface CheckoutContext {
  audit: AuditLog;
  policies: ActivePolicyCache;
  now: () => Date;
}

export interface CheckoutRequest {
  person: string;
  key: string;
  /** Factor kinds verified at the cabinet. */
  factors: FactorKind[];
  reason?: string | null;
  note?: string | null;
  approver?: string | null;
  witness?: string | null;
}

export interface Checkout {
  id: string;
  key: string;
  person: string;
  cabinet: string;
  slot: number;
  takenAt: string;
  dueAt: string | null;
  reason: string | null;
  note: string | null;
  factors: FactorKind[];
  approver: string | null;
  witness: string | null;
  afterHours: boolean;
  policyVersion: number;
  rule: string;
  status: 'open' | 'returned';
  returnedAt: string | null;
  returnedBy: string | null;
  returnCabinet: string | null;
  returnSlot: number | null;
  late: boolean | null;
  wrongSlot: boolean | null;
}

export type CheckoutOutcome =
  | { ok: true; checkout: Checkout; decision: Decision }
  | { ok: false; decision: Decision; policyVersion: number };

export function toCheckout(row: CheckoutRow): Checkout {
  const flag = (value: number | null) => (value === null ? null : value === 1);
  return {
    id: row.id,
    key: row.key_id,
    person: row.person_id,
    cabinet: row.cabinet_id,
    slot: row.slot,
    takenAt: row.taken_at,
    dueAt: row.due_at,
    reason: row.reason,
    note: row.note,
    factors: JSON.parse(row.factors) as FactorKind[],
    approver: row.approver_id,
    witness: row.witness_id,
    afterHours: row.after_hours === 1,
    policyVersion: row.policy_version,
    rule: row.rule_id,
    status: row.status,
    returnedAt: row.returned_at,
    returnedBy: row.returned_by,
    returnCabinet: row.return_cabinet_id,
    returnSlot: row.return_slot,
    late: flag(row.late),
    wrongSlot: flag(row.wrong_slot),
  };
}

/** Where a key is now: the slot that holds it, else its home slot. */
async function currentSlotOf(trx: Transaction<DB>, key: { id: string; cabinet_id: string; slot: number }) {
  const holding = await trx
    .selectFrom('slots')
    .select(['cabinet_id', 'number'])
    .where('key_id', '=', key.id)
    .executeTakeFirst();
  return holding
    ? { cabinet: holding.cabinet_id, slot: holding.number }
    : { cabinet: key.cabinet_id, slot: key.slot };
}

/** Takes a key out if the active policy allows it now; records a denial otherwise. */
export async function recordCheckout(
  trx: Transaction<DB>,
  context: CheckoutContext,
  request: CheckoutRequest,
): Promise<CheckoutOutcome> {
  const now = context.now();
  const at = now.toISOString();
  const active = await context.policies.get(trx);
  if (dialectOf(trx) === 'postgres') {
    // One person's checkouts are serialised, so two at once cannot both slip under maxKeysOut.
    await trx.selectFrom('people').select('id').where('id', '=', request.person).forUpdate().execute();
  }
  const key = await trx
    .selectFrom('keys')
    .select(['id', 'status', 'cabinet_id', 'slot'])
    .where('id', '=', request.key)
    .executeTakeFirst();
  if (!key) throw new KeywardenError('unknown_key', `unknown key "${request.key}"`);
  // A key that is not in its cabinet is unavailable, whatever the policy would say about taking it.
  if (key.status !== 'in') {
    throw new KeywardenError(
      'key_unavailable',
      `key "${key.id}" is not in its cabinet (it is ${key.status})`,
      {
        status: key.status,
      },
    );
  }
  const open = await trx
    .selectFrom('checkouts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('person_id', '=', request.person)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();

  let decision: Decision;
  try {
    decision = decide(active.compiled, request.person, request.key, now.getTime(), {
      factors: request.factors,
      reason: request.reason ?? null,
      approver: request.approver ?? null,
      witness: request.witness ?? null,
      keysOut: Number(open.n),
    });
  } catch (error) {
    if (error instanceof DecisionInputError) {
      throw new KeywardenError(
        error.code === 'unknown_key' ? 'unknown_key' : 'unknown_person',
        error.message,
      );
    }
    throw error;
  }
  const place = await currentSlotOf(trx, key);

  if (decision.outcome !== 'allow') {
    const data = {
      decision: {
        outcome: decision.outcome,
        code: decision.code,
        missing: decision.missing,
        rule: decision.rule,
        explanation: decision.explanation,
      },
      factors: request.factors,
      reason: request.reason ?? null,
      afterHours: decision.afterHours,
    };
    await context.audit.append(trx, {
      type: 'checkout.denied',
      at,
      actor: request.person,
      person: request.person,
      key: request.key,
      cabinet: place.cabinet,
      policyVersion: active.version,
      data,
    });
    await enqueueOutboxEvent(trx, {
      eventType: 'denied',
      at,
      payload: {
        person: request.person,
        key: request.key,
        cabinet: place.cabinet,
        policyVersion: active.version,
        ...data,
      },
    });
    return { ok: false, decision, policyVersion: active.version };
  }

  const id = newId(now.getTime());
  // The conditional update is what makes a double checkout impossible: only one transaction sees 'in'.
  const taken = await trx
    .updateTable('keys')
    .set({ status: 'out', current_checkout_id: id, updated_at: at })
    .where('id', '=', key.id)
    .where('status', '=', 'in')
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) !== 1) {
    throw new KeywardenError(
      'key_unavailable',
      `key "${key.id}" is not in its cabinet (it is ${key.status})`,
      { status: key.status },
    );
  }
  const row: CheckoutRow = {
    id,
    key_id: key.id,
    person_id: request.person,
    cabinet_id: place.cabinet,
    slot: place.slot,
    taken_at: at,
    due_at: decision.dueAt,
    reason: request.reason ?? null,
    note: request.note ?? null,
    factors: JSON.stringify(request.factors),
    approver_id: request.approver ?? null,
    witness_id: request.witness ?? null,
    after_hours: decision.afterHours ? 1 : 0,
    policy_version: active.version,
    rule_id: decision.rule as string,
    status: 'open',
    returned_at: null,
    returned_by: null,
    return_cabinet_id: null,
    return_slot: null,
    late: null,
    wrong_slot: null,
  };
  await trx.insertInto('checkouts').values(row).execute();
  await trx.updateTable('slots').set({ key_id: null }).where('key_id', '=', key.id).execute();
  const checkout = toCheckout(row);
  const data = {
    checkout: id,
    slot: place.slot,
    reason: checkout.reason,
    note: checkout.note,
    factors: checkout.factors,
    approver: checkout.approver,
    witness: checkout.witness,
    afterHours: checkout.afterHours,
    dueAt: checkout.dueAt,
    rule: checkout.rule,
  };
  await context.audit.append(trx, {
    type: 'checkout',
    at,
    actor: request.person,
    person: request.person,
    key: key.id,
    cabinet: place.cabinet,
    policyVersion: active.version,
    data,
  });
  await enqueueOutboxEvent(trx, {
    eventType: 'checkout',
    at,
    idempotencyKey: `checkout-${id}`,
    payload: {
      person: request.person,
      key: key.id,
      cabinet: place.cabinet,
      policyVersion: active.version,
      ...data,
    },
  });
  return { ok: true, checkout, decision };
}

export interface ReturnRequest {
  key: string;
  cabinet: string;
  slot: number;
  /** Who put it back, when known (a signed-in person); otherwise the holder is assumed. */
  by?: string | null;
}

/** Puts a key back: closes its open checkout, late or not, in its home slot or not. */
export async function recordReturn(
  trx: Transaction<DB>,
  context: Pick<CheckoutContext, 'audit' | 'now'>,
  request: ReturnRequest,
): Promise<Checkout> {
  const at = context.now().toISOString();
  const key = await trx
    .selectFrom('keys')
    .select(['id', 'cabinet_id', 'slot', 'status'])
    .where('id', '=', request.key)
    .executeTakeFirst();
  if (!key) throw new KeywardenError('unknown_key', `unknown key "${request.key}"`);
  const cabinet = await trx
    .selectFrom('cabinets')
    .select(['id', 'slot_count'])
    .where('id', '=', request.cabinet)
    .executeTakeFirst();
  if (!cabinet) throw new KeywardenError('unknown_cabinet', `unknown cabinet "${request.cabinet}"`);
  if (!Number.isInteger(request.slot) || request.slot < 1 || request.slot > cabinet.slot_count) {
    throw new KeywardenError(
      'invalid_request',
      `cabinet "${cabinet.id}" has no slot ${request.slot} (1..${cabinet.slot_count})`,
    );
  }
  const occupied = await trx
    .selectFrom('slots')
    .select('key_id')
    .where('cabinet_id', '=', cabinet.id)
    .where('number', '=', request.slot)
    .executeTakeFirst();
  if (occupied?.key_id && occupied.key_id !== key.id) {
    throw new KeywardenError(
      'invalid_request',
      `slot ${request.slot} of cabinet "${cabinet.id}" already holds key "${occupied.key_id}"`,
    );
  }
  const open = await trx
    .selectFrom('checkouts')
    .selectAll()
    .where('key_id', '=', key.id)
    // A literal, so that SQLite can use the partial index checkouts_one_open_per_key; with a bound
    // parameter it walks every open checkout (or the whole history) to find this key's.
    .where('status', '=', sql.lit('open'))
    .executeTakeFirst();
  if (!open) throw new KeywardenError('checkout_not_found', `key "${key.id}" is not checked out`);

  const late = open.due_at !== null && at > open.due_at;
  const wrongSlot = cabinet.id !== key.cabinet_id || request.slot !== key.slot;
  const returnedBy = request.by ?? open.person_id;
  const closed = await trx
    .updateTable('checkouts')
    .set({
      status: 'returned',
      returned_at: at,
      returned_by: returnedBy,
      return_cabinet_id: cabinet.id,
      return_slot: request.slot,
      late: late ? 1 : 0,
      wrong_slot: wrongSlot ? 1 : 0,
    })
    .where('id', '=', open.id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(closed.numUpdatedRows) !== 1)
    throw new KeywardenError('checkout_not_found', `key "${key.id}" was returned already`);
  await trx
    .updateTable('keys')
    .set({ status: 'in', current_checkout_id: null, updated_at: at })
    .where('id', '=', key.id)
    .execute();
  // Conditional, like the key's update at checkout: two keys returned into one empty slot at once both passed
  // the check above (on PostgreSQL); only the first may fill it.
  const filled = await trx
    .updateTable('slots')
    .set({ key_id: key.id })
    .where('cabinet_id', '=', cabinet.id)
    .where('number', '=', request.slot)
    .where((eb) => eb.or([eb('key_id', 'is', null), eb('key_id', '=', key.id)]))
    .executeTakeFirst();
  if (Number(filled.numUpdatedRows) !== 1) {
    throw new KeywardenError(
      'invalid_request',
      `slot ${request.slot} of cabinet "${cabinet.id}" was filled by another key at the same moment`,
    );
  }

  const data = {
    checkout: open.id,
    slot: request.slot,
    late,
    wrongSlot,
    dueAt: open.due_at,
    homeCabinet: key.cabinet_id,
    homeSlot: key.slot,
    heldBy: open.person_id,
  };
  await context.audit.append(trx, {
    type: 'return',
    at,
    actor: returnedBy,
    person: open.person_id,
    key: key.id,
    cabinet: cabinet.id,
    policyVersion: open.policy_version,
    data,
  });
  await enqueueOutboxEvent(trx, {
    eventType: 'return',
    at,
    idempotencyKey: `return-${open.id}`,
    payload: { person: open.person_id, key: key.id, cabinet: cabinet.id, ...data },
  });
  return toCheckout({
    ...open,
    status: 'returned',
    returned_at: at,
    returned_by: returnedBy,
    return_cabinet_id: cabinet.id,
    return_slot: request.slot,
    late: late ? 1 : 0,
    wrong_slot: wrongSlot ? 1 : 0,
  });
}
