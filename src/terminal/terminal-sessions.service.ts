/**
 * Sessions at a cabinet's terminal: a person signs in (identified by badge or id, proven by factors), adds
 * factors, brings a witness, takes keys, signs out. A session is bound to one cabinet and ends after 60 s
 * idle or 5 minutes in all. Sign-in failures look the same to the terminal whatever the cause (unknown
 * person, wrong factor, locked out), while the audit log records the truth.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import type { FactorKind } from '../domain/policy/policy-file.js';
import type { ActivePolicyCache } from '../policy/active-policy.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';
import type { FactorChecks, PresentedFactor } from './factor-checks.js';

export const SESSION_IDLE_MS = 60_000;
export const SESSION_MAX_MS = 5 * 60_000;

/** What the terminal is told on any sign-in failure: nothing that tells an unknown person from a wrong PIN. */
export const SIGN_IN_FAILED = 'Sign-in failed. Check your badge or id and your PIN, then try again.';

export interface TerminalContext {
  audit: AuditLog;
  policies: ActivePolicyCache;
  now: () => Date;
  factors: FactorChecks;
}

export interface TerminalSession {
  id: string;
  cabinet: string;
  person: string;
  factors: FactorKind[];
  witness: string | null;
  witnessFactors: FactorKind[];
  afterHours: boolean;
  expiresAt: string;
}

export interface SignInRequest {
  person?: string;
  badge?: string;
  factors: PresentedFactor[];
}

type SignInOutcome =
  | { ok: true; person: string; factors: FactorKind[] }
  | { ok: false; reason: string; person: string | null };

/**
 * Identifies and verifies a person at a cabinet. Every presented factor is checked even after a failure,
 * and an unknown or locked-out person costs the same work, so response time does not tell them apart.
 */
async function signIn(
  trx: Transaction<DB>,
  context: TerminalContext,
  cabinet: string,
  request: SignInRequest,
): Promise<SignInOutcome> {
  const factors = [...request.factors];
  let personId: string | null = null;
  if (request.badge !== undefined) {
    personId = await context.factors.identifyByBadge(trx, request.badge);
    // The badge that identified the person is their first factor.
    factors.unshift({ kind: 'badge', value: request.badge });
  } else if (request.person !== undefined) {
    personId = request.person;
  }
  const person = personId
    ? await trx.selectFrom('people').select(['id', 'active']).where('id', '=', personId).executeTakeFirst()
    : undefined;
  const spendAll = async () => {
    for (const factor of factors) await context.factors.spendVerificationTime(factor.kind);
  };
  if (!person) {
    await spendAll();
    return {
      ok: false,
      reason: request.badge !== undefined ? 'unknown_badge' : 'unknown_person',
      person: null,
    };
  }
  if (person.active !== 1) {
    await spendAll();
    return { ok: false, reason: 'person_inactive', person: person.id };
  }
  if (factors.length === 0) return { ok: false, reason: 'no_factor', person: person.id };
  const verified: FactorKind[] = [];
  let failure: string | null = null;
  for (const factor of factors) {
    const result = await context.factors.verify(trx, person.id, factor, { cabinet });
    if (result.ok) {
      if (!verified.includes(factor.kind)) verified.push(factor.kind);
    } else failure ??= result.reason ?? 'wrong_value';
  }
  if (failure) return { ok: false, reason: failure, person: person.id };
  await context.factors.signedIn(trx, person.id, { cabinet });
  return { ok: true, person: person.id, factors: verified };
}

async function afterHoursAt(context: TerminalContext, trx: Kysely<DB>, cabinet: string): Promise<boolean> {
  const active = await context.policies.get(trx);
  const row = await trx.selectFrom('cabinets').select('site_id').where('id', '=', cabinet).executeTakeFirst();
  const site = row ? active.compiled.sites.get(row.site_id) : undefined;
  // A site the active policy does not describe has no business hours: it is always after hours.
  return site ? site.calendar.timeAt(context.now().getTime()).afterHours : true;
}

function toSession(
  row: {
    id: string;
    cabinet_id: string;
    person_id: string;
    factors: string;
    witness_id: string | null;
    witness_factors: string | null;
    expires_at: string;
  },
  afterHours: boolean,
): TerminalSession {
  return {
    id: row.id,
    cabinet: row.cabinet_id,
    person: row.person_id,
    factors: JSON.parse(row.factors) as FactorKind[],
    witness: row.witness_id,
    witnessFactors: row.witness_factors ? (JSON.parse(row.witness_factors) as FactorKind[]) : [],
    afterHours,
    expiresAt: row.expires_at,
  };
}

export type StartSessionOutcome = { ok: true; session: TerminalSession } | { ok: false };

/** Signs a person in at a cabinet. A failure is returned (not thrown) so that its audit entry is committed. */
export async function startSession(
  trx: Transaction<DB>,
  context: TerminalContext,
  cabinet: string,
  request: SignInRequest,
): Promise<StartSessionOutcome> {
  const now = context.now();
  const at = now.toISOString();
  const outcome = await signIn(trx, context, cabinet, request);
  if (!outcome.ok) {
    await context.audit.append(trx, {
      type: 'session.sign-in-failed',
      at,
      actor: outcome.person,
      person: outcome.person,
      cabinet,
      data: {
        reason: outcome.reason,
        identifiedBy: request.badge !== undefined ? 'badge' : 'id',
        factors: request.factors.map((f) => f.kind),
      },
    });
    return { ok: false };
  }
  const row = {
    id: newId(now.getTime()),
    cabinet_id: cabinet,
    person_id: outcome.person,
    factors: JSON.stringify(outcome.factors),
    witness_id: null,
    witness_factors: null,
    created_at: at,
    last_active_at: at,
    expires_at: new Date(now.getTime() + SESSION_MAX_MS).toISOString(),
    ended_at: null,
    end_reason: null,
  };
  await trx.insertInto('terminal_sessions').values(row).execute();
  await context.audit.append(trx, {
    type: 'session.started',
    at,
    actor: outcome.person,
    person: outcome.person,
    cabinet,
    data: { session: row.id, factors: outcome.factors },
  });
  return { ok: true, session: toSession(row, await afterHoursAt(context, trx, cabinet)) };
}

/**
 * The live session `id` at `cabinet`, touched as active now. Throws session_expired for an unknown, ended,
 * idle or too old session, or one of another cabinet.
 */
export async function resumeTerminalSession(
  trx: Transaction<DB>,
  context: TerminalContext,
  id: string,
  cabinet: string,
): Promise<TerminalSession> {
  const now = context.now();
  const at = now.toISOString();
  const row = await trx.selectFrom('terminal_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  const expired = new KeywardenError('session_expired', 'This session has ended. Sign in again.');
  if (!row || row.cabinet_id !== cabinet || row.ended_at !== null) throw expired;
  const idle = now.getTime() - Date.parse(row.last_active_at) > SESSION_IDLE_MS;
  if (idle || at > row.expires_at) {
    await trx
      .updateTable('terminal_sessions')
      .set({ ended_at: at, end_reason: idle ? 'idle' : 'expired' })
      .where('id', '=', id)
      .execute();
    await context.audit.append(trx, {
      type: 'session.ended',
      at,
      person: row.person_id,
      cabinet,
      data: { session: id, reason: idle ? 'idle' : 'expired' },
    });
    throw expired;
  }
  await trx.updateTable('terminal_sessions').set({ last_active_at: at }).where('id', '=', id).execute();
  return toSession(row, await afterHoursAt(context, trx, cabinet));
}

export type AddFactorOutcome =
  | { ok: true; session: TerminalSession }
  | { ok: false; session: TerminalSession };

/** Verifies one more factor of the signed-in person and adds its kind to the session. */
export async function addSessionFactor(
  trx: Transaction<DB>,
  context: TerminalContext,
  session: TerminalSession,
  factor: PresentedFactor,
): Promise<AddFactorOutcome> {
  const result = await context.factors.verify(trx, session.person, factor, {
    cabinet: session.cabinet,
    session: session.id,
  });
  if (!result.ok) return { ok: false, session };
  const factors = session.factors.includes(factor.kind) ? session.factors : [...session.factors, factor.kind];
  await trx
    .updateTable('terminal_sessions')
    .set({ factors: JSON.stringify(factors) })
    .where('id', '=', session.id)
    .execute();
  return { ok: true, session: { ...session, factors } };
}

export type WitnessOutcome = { ok: true; session: TerminalSession } | { ok: false };

/** A second person signs in with their own factors to witness this session. */
export async function addWitness(
  trx: Transaction<DB>,
  context: TerminalContext,
  session: TerminalSession,
  request: SignInRequest,
): Promise<WitnessOutcome> {
  const at = context.now().toISOString();
  const outcome = await signIn(trx, context, session.cabinet, request);
  if (!outcome.ok || outcome.person === session.person) {
    await context.audit.append(trx, {
      type: 'session.witness-failed',
      at,
      actor: outcome.person,
      person: session.person,
      cabinet: session.cabinet,
      data: {
        session: session.id,
        reason: outcome.ok ? 'same_person' : outcome.reason,
        witness: outcome.person,
      },
    });
    return { ok: false };
  }
  await trx
    .updateTable('terminal_sessions')
    .set({ witness_id: outcome.person, witness_factors: JSON.stringify(outcome.factors) })
    .where('id', '=', session.id)
    .execute();
  await context.audit.append(trx, {
    type: 'session.witness-signed-in',
    at,
    actor: outcome.person,
    person: session.person,
    cabinet: session.cabinet,
    data: { session: session.id, witness: outcome.person, factors: outcome.factors },
  });
  return { ok: true, session: { ...session, witness: outcome.person, witnessFactors: outcome.factors } };
}

/** Signs out. */
export async function endSession(
  trx: Transaction<DB>,
  context: TerminalContext,
  session: TerminalSession,
  reason = 'signed-out',
): Promise<void> {
  const at = context.now().toISOString();
  await trx
    .updateTable('terminal_sessions')
    .set({ ended_at: at, end_reason: reason })
    .where('id', '=', session.id)
    .execute();
  await context.audit.append(trx, {
    type: 'session.ended',
    at,
    actor: session.person,
    person: session.person,
    cabinet: session.cabinet,
    data: { session: session.id, reason },
  });
}
