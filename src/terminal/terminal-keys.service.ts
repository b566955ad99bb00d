/**
 * The keys of a session's cabinet with, for each, what the policy decides for this person now: what the
 * terminal shows after sign-in ("Patrol car 101: needs a reason").
 */
import type { Transaction } from 'kysely';
import { type Decision, decide } from '../domain/policy/decide.js';
import type { DB } from '../store/schema.js';
import type { TerminalContext, TerminalSession } from './terminal-sessions.service.js';

export interface TerminalKey {
  id: string;
  label: string;
  slot: number;
  status: 'in' | 'out' | 'missing' | 'retired';
  sensitivity: 'normal' | 'restricted' | 'critical';
  decision: Decision;
}

export async function keysForSession(
  trx: Transaction<DB>,
  context: TerminalContext,
  session: TerminalSession,
  reason: string | null = null,
): Promise<TerminalKey[]> {
  const active = await context.policies.get(trx);
  const keys = await trx
    .selectFrom('keys')
    .innerJoin('key_groups', 'key_groups.id', 'keys.group_id')
    .select([
      'keys.id',
      'keys.label',
      'keys.slot',
      'keys.status',
      'keys.sensitivity',
      'key_groups.sensitivity as group_sensitivity',
    ])
    .where('keys.cabinet_id', '=', session.cabinet)
    .where('keys.status', '!=', 'retired')
    .orderBy('keys.slot')
    .execute();
  const open = await trx
    .selectFrom('checkouts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('person_id', '=', session.person)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  const instant = context.now().getTime();
  return keys.map((key) => ({
    id: key.id,
    label: key.label,
    slot: key.slot,
    status: key.status,
    sensitivity: key.sensitivity ?? key.group_sensitivity,
    decision: decide(active.compiled, session.person, key.id, instant, {
      factors: session.factors,
      reason,
      witness: session.witness,
      keysOut: Number(open.n),
    }),
  }));
}
