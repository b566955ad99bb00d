/**
 * The lockout row of each person (factor_lockouts), driven by the pure state machine in
 * src/domain/credentials/lockout.ts: read it locked for the transaction, apply an event, write it back, and
 * audit what changed. A person without a row has never failed.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { describeDuration } from '../domain/calendar/duration.js';
import {
  afterPolicyLock,
  afterSuccess,
  afterUnlock,
  isLockedOut,
  type LockoutState,
  NO_LOCKOUT,
} from '../domain/credentials/lockout.js';
import { KeywardenError } from '../domain/errors.js';
import { dialectOf } from '../store/dialect-of.js';
import type { DB } from '../store/schema.js';
import { findPerson } from './credentials.queries.js';

export interface LockoutContext {
  audit: AuditLog;
  now: () => Date;
}

export interface LockoutStatus {
  person: string;
  locked: boolean;
  /** ISO 8601 UTC, while locked; the end of the last lock otherwise, or null. */
  lockedUntil: string | null;
  consecutiveFailures: number;
  lockouts: number;
}

function toState(row: {
  consecutive_failures: number;
  lockouts: number;
  locked_until: string | null;
}): LockoutState {
  return {
    consecutiveFailures: row.consecutive_failures,
    lockouts: row.lockouts,
    lockedUntil: row.locked_until === null ? null : Date.parse(row.locked_until),
  };
}

function toStatus(person: string, state: LockoutState, now: Date): LockoutStatus {
  return {
    person,
    locked: isLockedOut(state, now.getTime()),
    lockedUntil: state.lockedUntil === null ? null : new Date(state.lockedUntil).toISOString(),
    consecutiveFailures: state.consecutiveFailures,
    lockouts: state.lockouts,
  };
}

/**
 * A person's lockout state, read without locking.
 * @example (await lockoutStatus(db, 'p-ruiz', new Date())).locked // false
 */
export async function lockoutStatus(db: Kysely<DB>, person: string, now: Date): Promise<LockoutStatus> {
  const row = await db
    .selectFrom('factor_lockouts')
    .select(['consecutive_failures', 'lockouts', 'locked_until'])
    .where('person_id', '=', person)
    .executeTakeFirst();
  return toStatus(person, row ? toState(row) : NO_LOCKOUT, now);
}

/**
 * Reads a person's lockout state and holds it for the transaction: the row is created when absent and
 * locked (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the only write lock), so two
 * failures at two cabinets at once both count.
 */
export async function lockLockoutState(
  trx: Transaction<DB>,
  person: string,
  now: Date,
): Promise<LockoutState> {
  await trx
    .insertInto('factor_lockouts')
    .values({
      person_id: person,
      consecutive_failures: 0,
      lockouts: 0,
      locked_until: null,
      updated_at: now.toISOString(),
    })
    .onConflict((conflict) => conflict.column('person_id').doNothing())
    .execute();
  let query = trx
    .selectFrom('factor_lockouts')
    .select(['consecutive_failures', 'lockouts', 'locked_until'])
    .where('person_id', '=', person);
  if (dialectOf(trx) === 'postgres') query = query.forUpdate();
  return toState(await query.executeTakeFirstOrThrow());
}

export async function saveLockoutState(
  trx: Transaction<DB>,
  person: string,
  state: LockoutState,
  now: Date,
): Promise<void> {
  await trx
    .updateTable('factor_lockouts')
    .set({
      consecutive_failures: state.consecutiveFailures,
      lockouts: state.lockouts,
      locked_until: state.lockedUntil === null ? null : new Date(state.lockedUntil).toISOString(),
      updated_at: now.toISOString(),
    })
    .where('person_id', '=', person)
    .execute();
}

async function requirePerson(trx: Transaction<DB>, person: string): Promise<void> {
  if (!(await findPerson(trx, person))) {
    throw new KeywardenError('unknown_person', `person "${person}" is not in the directory`);
  }
}

/**
 * Applies a policy consequence `lock:<duration>`: the person is locked out of every cabinet for `durationMs`
 * more, after any lock already in force. `why` says which consequence, for the audit log.
 * @example await applyPolicyLock(trx, context, 'p-ruiz', 30 * 60_000, 'consequence 1: 3 denied within 10m')
 */
export async function applyPolicyLock(
  trx: Transaction<DB>,
  context: LockoutContext,
  person: string,
  durationMs: number,
  why: string,
): Promise<LockoutStatus> {
  if (!Number.isFinite(durationMs) || durationMs <= 0) {
    throw new KeywardenError('invalid_request', `a lock lasts a positive time, not ${durationMs} ms`);
  }
  await requirePerson(trx, person);
  const now = context.now();
  const before = await lockLockoutState(trx, person, now);
  const after = afterPolicyLock(before, now.getTime(), durationMs);
  await saveLockoutState(trx, person, after, now);
  const status = toStatus(person, after, now);
  await context.audit.append(trx, {
    type: 'auth.policy-lock',
    at: now.toISOString(),
    person,
    data: {
      durationMs,
      duration: describeDuration(durationMs),
      until: status.lockedUntil,
      stackedAfter: isLockedOut(before, now.getTime())
        ? new Date(before.lockedUntil as number).toISOString()
        : null,
      why,
    },
  });
  return status;
}

/**
 * An administrator clears a person's lockout: failures, doubling and any lock in force (failure or policy).
 * Audited with what was cleared, even when there was nothing.
 */
export async function clearLockout(
  trx: Transaction<DB>,
  context: LockoutContext,
  person: string,
  options: { by?: string } = {},
): Promise<{ before: LockoutStatus; after: LockoutStatus }> {
  await requirePerson(trx, person);
  const now = context.now();
  const before = await lockLockoutState(trx, person, now);
  const after = afterUnlock(before);
  await saveLockoutState(trx, person, after, now);
  const was = toStatus(person, before, now);
  await context.audit.append(trx, {
    type: 'auth.lockout-cleared',
    at: now.toISOString(),
    actor: options.by ?? 'cli',
    person,
    data: {
      wasLocked: was.locked,
      lockedUntil: was.locked ? was.lockedUntil : null,
      consecutiveFailures: was.consecutiveFailures,
      lockouts: was.lockouts,
    },
  });
  return { before: was, after: toStatus(person, after, now) };
}

/**
 * Records a completed sign-in (every factor the terminal asked for verified): the failure count and the
 * doubling start again. Call it once per successful sign-in, not per factor (see lockout.ts for why).
 * Audited only when there was something to reset.
 */
export async function recordSignInSuccess(
  trx: Transaction<DB>,
  context: LockoutContext,
  person: string,
  where: { cabinet?: string | null } = {},
): Promise<void> {
  const row = await trx
    .selectFrom('factor_lockouts')
    .select(['consecutive_failures', 'lockouts', 'locked_until'])
    .where('person_id', '=', person)
    .executeTakeFirst();
  if (!row || (row.consecutive_failures === 0 && row.lockouts === 0)) return;
  const now = context.now();
  const before = await lockLockoutState(trx, person, now);
  const after = afterSuccess(before, now.getTime());
  await saveLockoutState(trx, person, after, now);
  await context.audit.append(trx, {
    type: 'auth.failures-reset',
    at: now.toISOString(),
    actor: person,
    person,
    cabinet: where.cabinet ?? null,
    data: { consecutiveFailures: before.consecutiveFailures, lockouts: before.lockouts },
  });
}
