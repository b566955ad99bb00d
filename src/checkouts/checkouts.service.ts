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
import { type Params, prepareQuery } from '../store/prepared-query.js';
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

/*
 * The statements of the checkout path, built with Kysely once and run many times (see prepared-query.ts):
 * building and compiling them on every call cost about a quarter of a checkout. The reads at the start of a
 * checkout and of a return are each folded into one statement (with a join and scalar subqueries), which saves
 * a round trip per read on PostgreSQL and a statement's overhead per read on SQLite.
 */

/** Serialises one person's checkouts on PostgreSQL (a row lock until commit). */
const lockPerson = prepareQuery((db, p: Params<{ person: string }>) =>
  db.selectFrom('people').select('id').where('id', '=', p.person).forUpdate(),
);

/**
 * The key, where it is now (the slot that holds it; its home slot when none does), and how many keys the
 * person holds. On PostgreSQL this must run after lockPerson, as its own statement: a statement's snapshot is
 * taken when it starts, so a count read in the statement that waited for the lock would miss the checkout
 * committed by the transaction it waited for.
 */
const readForCheckout = prepareQuery((db, p: Params<{ key: string; person: string }>) =>
  db
    .selectFrom('keys as k')
    .leftJoin('slots as s', 's.key_id', 'k.id')
    .select(['k.id', 'k.status', 'k.cabinet_id', 'k.slot'])
    .select(['s.cabinet_id as holding_cabinet', 's.number as holding_slot'])
    .select((eb) =>
      eb
        .selectFrom('checkouts')
        .select(eb.fn.countAll<number>().as('n'))
        .where('person_id', '=', p.person)
        .where('status', '=', 'open')
        .as('open_count'),
    )
    .where('k.id', '=', p.key)
    .limit(1),
);

// The conditional update is what makes a double checkout impossible: only one transaction sees 'in'.
const takeKey = prepareQuery((db, p: Params<{ key: string; checkout: string; at: string }>) =>
  db
    .updateTable('keys')
    .set({ status: 'out', current_checkout_id: p.checkout, updated_at: p.at })
    .where('id', '=', p.key)
    .where('status', '=', 'in'),
);

const insertCheckout = prepareQuery((db, p: Params<CheckoutRow>) =>
  db.insertInto('checkouts').values({
    id: p.id,
    key_id: p.key_id,
    person_id: p.person_id,
    cabinet_id: p.cabinet_id,
    slot: p.slot,
    taken_at: p.taken_at,
    due_at: p.due_at,
    reason: p.reason,
    note: p.note,
    factors: p.factors,
    approver_id: p.approver_id,
    witness_id: p.witness_id,
    after_hours: p.after_hours,
    policy_version: p.policy_version,
    rule_id: p.rule_id,
    status: p.status,
    returned_at: p.returned_at,
    returned_by: p.returned_by,
    return_cabinet_id: p.return_cabinet_id,
    return_slot: p.return_slot,
    late: p.late,
    wrong_slot: p.wrong_slot,
  }),
);

const emptySlotOf = prepareQuery((db, p: Params<{ key: string }>) =>
  db.updateTable('slots').set({ key_id: null }).where('key_id', '=', p.key),
);

/**
 * For a return: the key, the cabinet's size (null: no such cabinet), the key in the target slot, and the key's
 * open checkout (null columns: none).
 */
const readForReturn = prepareQuery((db, p: Params<{ key: string; cabinet: string; slot: number }>) =>
  db
    .selectFrom('keys as k')
    // 'open' as a literal, so that SQLite can use the partial index checkouts_one_open_per_key; with a bound
    // parameter it walks every open checkout (or the whole history) to find this key's.
    .leftJoin('checkouts as c', (join) =>
      join.onRef('c.key_id', '=', 'k.id').on('c.status', '=', sql.lit('open')),
    )
    .select(['k.id', 'k.cabinet_id', 'k.slot', 'k.status'])
    .select((eb) => [
      eb.selectFrom('cabinets').select('slot_count').where('id', '=', p.cabinet).as('slot_count'),
      eb
        .selectFrom('slots')
        .select('key_id')
        .where('cabinet_id', '=', p.cabinet)
        .where('number', '=', p.slot)
        .as('occupant'),
    ])
    .select([
      'c.id as c_id',
      'c.person_id as c_person_id',
      'c.cabinet_id as c_cabinet_id',
      'c.slot as c_slot',
      'c.taken_at as c_taken_at',
      'c.due_at as c_due_at',
      'c.reason as c_reason',
      'c.note as c_note',
      'c.factors as c_factors',
      'c.approver_id as c_approver_id',
      'c.witness_id as c_witness_id',
      'c.after_hours as c_after_hours',
      'c.policy_version as c_policy_version',
      'c.rule_id as c_rule_id',
    ])
    .where('k.id', '=', p.key)
    .limit(1),
);

const closeCheckout = prepareQuery(
  (
    db,
    p: Params<{
      id: string;
      at: string;
      by: string;
      cabinet: string;
      slot: number;
      late: number;
      wrongSlot: number;
    }>,
  ) =>
    db
      .updateTable('checkouts')
      .set({
        status: 'returned',
        returned_at: p.at,
        returned_by: p.by,
        return_cabinet_id: p.cabinet,
        return_slot: p.slot,
        late: p.late,
        wrong_slot: p.wrongSlot,
      })
      .where('id', '=', p.id)
      .where('status', '=', 'open'),
);

const putKeyIn = prepareQuery((db, p: Params<{ key: string; at: string }>) =>
  db
    .updateTable('keys')
    .set({ status: 'in', current_checkout_id: null, updated_at: p.at })
    .where('id', '=', p.key),
);

// Conditional, like the key's update at checkout: two keys returned into one empty slot at once both passed
// the occupancy check (on PostgreSQL); only the first may fill it.
const fillSlot = prepareQuery((db, p: Params<{ key: string; cabinet: string; slot: number }>) =>
  db
    .updateTable('slots')
    .set({ key_id: p.key })
    .where('cabinet_id', '=', p.cabinet)
    .where('number', '=', p.slot)
    .where((eb) => eb.or([eb('key_id', 'is', null), eb('key_id', '=', p.key)])),
);

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
    await lockPerson.execute(trx, { person: request.person });
  }
  const key = await readForCheckout.first(trx, { key: request.key, person: request.person });
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

  let decision: Decision;
  try {
    decision = decide(active.compiled, request.person, request.key, now.getTime(), {
      factors: request.factors,
      reason: request.reason ?? null,
      approver: request.approver ?? null,
      witness: request.witness ?? null,
      keysOut: Number(key.open_count ?? 0),
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
  // Where the key is now: the slot that holds it, else its home slot.
  const place =
    key.holding_cabinet !== null && key.holding_slot !== null
      ? { cabinet: key.holding_cabinet, slot: key.holding_slot }
      : { cabinet: key.cabinet_id, slot: key.slot };

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
  const taken = await takeKey.changes(trx, { key: key.id, checkout: id, at });
  if (taken !== 1) {
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
  await insertCheckout.execute(trx, row);
  await emptySlotOf.execute(trx, { key: key.id });
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
  const found = await readForReturn.first(trx, {
    key: request.key,
    cabinet: request.cabinet,
    // A slot that cannot exist is refused below, after the key and cabinet checks; until then it must not
    // reach PostgreSQL, which rejects a fraction or an out-of-range number bound to an integer column.
    slot: Number.isSafeInteger(request.slot) && Math.abs(request.slot) < 2 ** 31 ? request.slot : 0,
  });
  if (!found) throw new KeywardenError('unknown_key', `unknown key "${request.key}"`);
  const key = found;
  if (found.slot_count === null) {
    throw new KeywardenError('unknown_cabinet', `unknown cabinet "${request.cabinet}"`);
  }
  const cabinet = { id: request.cabinet, slot_count: Number(found.slot_count) };
  if (!Number.isInteger(request.slot) || request.slot < 1 || request.slot > cabinet.slot_count) {
    throw new KeywardenError(
      'invalid_request',
      `cabinet "${cabinet.id}" has no slot ${request.slot} (1..${cabinet.slot_count})`,
    );
  }
  if (found.occupant && found.occupant !== key.id) {
    throw new KeywardenError(
      'invalid_request',
      `slot ${request.slot} of cabinet "${cabinet.id}" already holds key "${found.occupant}"`,
    );
  }
  if (found.c_id === null) {
    throw new KeywardenError('checkout_not_found', `key "${key.id}" is not checked out`);
  }
  const open: CheckoutRow = {
    id: found.c_id,
    key_id: key.id,
    person_id: found.c_person_id as string,
    cabinet_id: found.c_cabinet_id as string,
    slot: found.c_slot as number,
    taken_at: found.c_taken_at as string,
    due_at: found.c_due_at,
    reason: found.c_reason,
    note: found.c_note,
    factors: found.c_factors as string,
    approver_id: found.c_approver_id,
    witness_id: found.c_witness_id,
    after_hours: found.c_after_hours as number,
    policy_version: found.c_policy_version as number,
    rule_id: found.c_rule_id as string,
    status: 'open',
    returned_at: null,
    returned_by: null,
    return_cabinet_id: null,
    return_slot: null,
    late: null,
    wrong_slot: null,
  };

  const late = open.due_at !== null && at > open.due_at;
  const wrongSlot = cabinet.id !== key.cabinet_id || request.slot !== key.slot;
  const returnedBy = request.by ?? open.person_id;
  const closed = await closeCheckout.changes(trx, {
    id: open.id,
    at,
    by: returnedBy,
    cabinet: cabinet.id,
    slot: request.slot,
    late: late ? 1 : 0,
    wrongSlot: wrongSlot ? 1 : 0,
  });
  if (closed !== 1) throw new KeywardenError('checkout_not_found', `key "${key.id}" was returned already`);
  await putKeyIn.execute(trx, { key: key.id, at });
  const filled = await fillSlot.changes(trx, { key: key.id, cabinet: cabinet.id, slot: request.slot });
  if (filled !== 1) {
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
