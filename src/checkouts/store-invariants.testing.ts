/**
 * Checks that tests run against a database after concurrent or interrupted work: the audit chain links and
 * recomputes from genesis to the recorded head, and keys, slots and open checkouts agree with each other.
 * Each returns a list of problems (empty when all is well) so that a failing test says what is wrong.
 */
import type { Kysely } from 'kysely';
import { type AuditEntryContent, entryHash, GENESIS_HASH } from '../domain/audit/audit-chain.js';
import type { DB } from '../store/schema.js';

export interface ChainReport {
  entries: number;
  problems: string[];
}

/** Recomputes every entry's hash from its stored fields and follows seq and prev_hash from genesis to the head. */
export async function verifyAuditChain(db: Kysely<DB>): Promise<ChainReport> {
  const rows = await db.selectFrom('audit_entries').selectAll().orderBy('seq').execute();
  const head = await db
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .executeTakeFirst();
  const problems: string[] = [];
  let previous = GENESIS_HASH;
  rows.forEach((row, index) => {
    if (row.seq !== index + 1) problems.push(`entry #${index + 1} has seq ${row.seq}`);
    if (row.prev_hash !== previous)
      problems.push(`seq ${row.seq}: prev_hash does not link to the entry before`);
    const content: AuditEntryContent = {
      seq: row.seq,
      at: row.at,
      type: row.type,
      actor: row.actor_id,
      person: row.person_id,
      key: row.key_id,
      cabinet: row.cabinet_id,
      policyVersion: row.policy_version,
      data: JSON.parse(row.data) as Record<string, unknown>,
    };
    if (entryHash(row.prev_hash, content) !== row.hash)
      problems.push(`seq ${row.seq}: hash does not recompute`);
    previous = row.hash;
  });
  const last = rows.at(-1);
  if (!head) problems.push('audit_head row is missing');
  else if (head.seq !== (last?.seq ?? 0) || head.hash !== (last?.hash ?? GENESIS_HASH))
    problems.push(`audit_head (${head.seq}) does not name the last entry (${last?.seq ?? 0})`);
  return { entries: rows.length, problems };
}

/**
 * Keys, slots and checkouts agree: a key is out exactly when it has one open checkout, which its
 * current_checkout_id names; a key that is in sits in exactly one slot; a key that is out sits in none.
 */
export async function checkKeyInvariants(db: Kysely<DB>): Promise<string[]> {
  const keys = await db.selectFrom('keys').select(['id', 'status', 'current_checkout_id']).execute();
  const open = await db
    .selectFrom('checkouts')
    .select(['id', 'key_id'])
    .where('status', '=', 'open')
    .execute();
  const slots = await db.selectFrom('slots').select(['key_id']).where('key_id', 'is not', null).execute();
  const openByKey = new Map<string, string[]>();
  for (const checkout of open)
    openByKey.set(checkout.key_id, [...(openByKey.get(checkout.key_id) ?? []), checkout.id]);
  const slotCount = new Map<string, number>();
  for (const slot of slots)
    slotCount.set(slot.key_id as string, (slotCount.get(slot.key_id as string) ?? 0) + 1);
  const problems: string[] = [];
  for (const key of keys) {
    const checkouts = openByKey.get(key.id) ?? [];
    const inSlots = slotCount.get(key.id) ?? 0;
    if (checkouts.length > 1) problems.push(`${key.id} has ${checkouts.length} open checkouts`);
    if (key.status === 'out') {
      if (checkouts.length !== 1) problems.push(`${key.id} is out with ${checkouts.length} open checkouts`);
      else if (key.current_checkout_id !== checkouts[0])
        problems.push(`${key.id} names checkout ${key.current_checkout_id}, open is ${checkouts[0]}`);
      if (inSlots !== 0) problems.push(`${key.id} is out but sits in ${inSlots} slot(s)`);
    } else if (key.status === 'in') {
      if (checkouts.length !== 0) problems.push(`${key.id} is in with ${checkouts.length} open checkout(s)`);
      if (key.current_checkout_id !== null)
        problems.push(`${key.id} is in but names checkout ${key.current_checkout_id}`);
      if (inSlots !== 1) problems.push(`${key.id} is in but sits in ${inSlots} slots`);
    }
  }
  return problems;
}

/**
 * Every checkout has its audit entry and outbox row, and every returned one its return entry and row: the
 * record of a change exists exactly when the change does.
 */
export async function checkCheckoutRecords(db: Kysely<DB>): Promise<string[]> {
  const checkouts = await db.selectFrom('checkouts').select(['id', 'status']).execute();
  const entries = await db
    .selectFrom('audit_entries')
    .select(['type', 'data'])
    .where('type', 'in', ['checkout', 'return'])
    .execute();
  const outbox = await db.selectFrom('outbox').select('idempotency_key').execute();
  const audited = new Set(
    entries.map((entry) => `${entry.type}-${(JSON.parse(entry.data) as { checkout: string }).checkout}`),
  );
  const announced = new Set(outbox.map((row) => row.idempotency_key));
  const problems: string[] = [];
  for (const checkout of checkouts) {
    const kinds = checkout.status === 'returned' ? ['checkout', 'return'] : ['checkout'];
    for (const kind of kinds) {
      if (!audited.has(`${kind}-${checkout.id}`))
        problems.push(`${kind} of ${checkout.id} is not in the audit log`);
      if (!announced.has(`${kind}-${checkout.id}`))
        problems.push(`${kind} of ${checkout.id} has no outbox row`);
    }
  }
  const ids = new Set(checkouts.map((checkout) => checkout.id));
  for (const entry of entries) {
    const id = (JSON.parse(entry.data) as { checkout: string }).checkout;
    if (!ids.has(id)) problems.push(`audit ${entry.type} names checkout ${id}, which does not exist`);
  }
  const returned = new Set(checkouts.filter((c) => c.status === 'returned').map((c) => c.id));
  for (const entry of entries) {
    const id = (JSON.parse(entry.data) as { checkout: string }).checkout;
    if (entry.type === 'return' && !returned.has(id))
      problems.push(`audit return of ${id}, which is not returned`);
  }
  return problems;
}
