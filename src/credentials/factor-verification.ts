/**
 * Checking a factor a person presents at a cabinet: their PIN, one of their badges, or a code of their
 * authenticator. Every attempt is audited (`auth.factor-succeeded` / `auth.factor-failed`, with the kind,
 * the cabinet and the reason, never the value), every failure counts towards a lockout, and a locked-out
 * person is refused without the factor being checked. Results are returned, not thrown, so that the caller
 * commits the failure count and the audit entry with its transaction (a rollback would forget the attempt).
 *
 * Timing: a wrong PIN, a missing PIN, an unknown or inactive person and a locked-out person each cost one
 * argon2 verify, so the time an answer takes does not tell them apart; spendVerificationTime gives callers
 * the same cost for someone they could not identify.
 */
import type { Kysely, Transaction } from 'kysely';
import { normalizeBadge } from '../domain/credentials/badge-number.js';
import { afterFailure, isLockedOut } from '../domain/credentials/lockout.js';
import { DEFAULT_TOTP_SETTINGS, verifyTotp } from '../domain/credentials/totp.js';
import type { FactorKind } from '../domain/policy/policy-file.js';
import type { DB } from '../store/schema.js';
import type { FactorChecks, PresentedFactor } from '../terminal/factor-checks.js';
import {
  acceptTotpStep,
  findLiveBadge,
  findLiveCredentials,
  findPerson,
  markCredentialUsed,
} from './credentials.queries.js';
import { type CredentialContext, readTotpSettings, totpSealContext } from './credentials.service.js';
import { lockLockoutState, lockoutStatus, recordSignInSuccess, saveLockoutState } from './factor-lockouts.js';
import { spendPinVerificationTime, verifyPin } from './pin-hash.js';

export type FactorFailureReason =
  /** The value does not match the person's credential. */
  | 'wrong_value'
  /** The person has no live credential of this kind. */
  | 'no_credential'
  /** The person is locked out; the value was not checked. */
  | 'locked_out'
  /** An authenticator code already used (its time step or a later one was accepted before). */
  | 'replayed'
  | 'unknown_person'
  | 'person_inactive';

export type FactorVerification =
  | { ok: true; kind: FactorKind; credentialId: string }
  | {
      ok: false;
      kind: FactorKind;
      reason: FactorFailureReason;
      /** ISO time the person is locked out until, when they are now (this failure may have started it). */
      lockedUntil?: string;
    };

/** Where an attempt happens: the cabinet, and the terminal session when there is one yet. */
export interface FactorWhere {
  cabinet: string | null;
  session?: string | null;
}

/**
 * Fingerprints (WebAuthn) are checked by the WebAuthn module (fingerprintFactorVerifier in
 * webauthn-factor.ts fits this shape); this module still counts and audits them. `detail` is the WebAuthn
 * module's own reason, kept in the audit entry.
 */
export interface FingerprintVerifier {
  verify(
    trx: Transaction<DB>,
    person: string,
    assertion: unknown,
    at: Date,
  ): Promise<
    | { ok: true; credentialId: string }
    | { ok: false; reason: 'wrong_value' | 'no_credential' | 'replayed'; detail?: string }
  >;
}

export interface FactorContext extends CredentialContext {
  /**
   * The fingerprint verifier for an attempt (its WebAuthn challenge is bound to the terminal session), e.g.
   * `(where) => fingerprintFactorVerifier({ audit, rp }, { sessionId: where.session ?? undefined })`.
   * Without it a fingerprint fails as no_credential.
   */
  fingerprintVerifier?: (where: FactorWhere) => FingerprintVerifier;
}

/**
 * The person a badge identifies, or null when the text is not a badge number or no live badge has it.
 * Does not audit: the caller goes on to verify the badge as a factor (audited) or to spend the same time.
 * @example await identifyByBadge(db, '0A:1B:2C') // 'p-ruiz'
 */
export async function identifyByBadge(db: Kysely<DB>, text: string): Promise<string | null> {
  const badge = normalizeBadge(text);
  if (!badge.ok) return null;
  return (await findLiveBadge(db, badge.number))?.person_id ?? null;
}

/**
 * Costs what verifying a factor of this kind costs for a known person, and tells nothing: for someone the
 * caller could not identify, so that timing does not give it away.
 */
export async function spendVerificationTime(kind: FactorKind): Promise<void> {
  if (kind === 'pin') await spendPinVerificationTime();
  else if (kind === 'totp') await spendTotpVerificationTime();
  // Badges and fingerprints cost a lookup, which the caller's own lookup already matched.
}

const DUMMY_TOTP_SECRET = new Uint8Array(20);

async function spendTotpVerificationTime(): Promise<void> {
  await verifyTotp(DUMMY_TOTP_SECRET, '000000', Date.now(), DEFAULT_TOTP_SETTINGS);
}

/**
 * Verifies one factor a person presents, audits the attempt and counts a failure towards the lockout.
 * @example await verifyFactor(trx, context, 'p-ruiz', { kind: 'pin', value: '583016' }, { cabinet: 'central-a' })
 * // { ok: true, kind: 'pin', credentialId: '019c…' }
 */
export async function verifyFactor(
  trx: Transaction<DB>,
  context: FactorContext,
  personId: string,
  factor: PresentedFactor,
  where: FactorWhere,
): Promise<FactorVerification> {
  const now = context.now();
  const at = now.toISOString();
  const kind = factor.kind;
  const person = await findPerson(trx, personId);
  if (!person) {
    await spendVerificationTime(kind);
    // Not the id as typed: someone may have typed their PIN into the id field.
    await context.audit.append(trx, {
      type: 'auth.factor-failed',
      at,
      cabinet: where.cabinet,
      data: { kind, reason: 'unknown_person' },
    });
    return { ok: false, kind, reason: 'unknown_person' };
  }

  const state = await lockLockoutState(trx, person.id, now);
  if (isLockedOut(state, now.getTime())) {
    await spendVerificationTime(kind);
    const lockedUntil = new Date(state.lockedUntil as number).toISOString();
    await context.audit.append(trx, {
      type: 'auth.factor-failed',
      at,
      actor: person.id,
      person: person.id,
      cabinet: where.cabinet,
      data: { kind, reason: 'locked_out', lockedUntil },
    });
    return { ok: false, kind, reason: 'locked_out', lockedUntil };
  }

  let check: Check;
  if (person.active !== 1) {
    await spendVerificationTime(kind);
    check = { ok: false, reason: 'person_inactive' };
  } else {
    check = await checkFactor(trx, context, person.id, factor, where, now);
  }

  if (check.ok) {
    await context.audit.append(trx, {
      type: 'auth.factor-succeeded',
      at,
      actor: person.id,
      person: person.id,
      cabinet: where.cabinet,
      data: { kind, credential: check.credentialId, ...check.detail },
    });
    return { ok: true, kind, credentialId: check.credentialId };
  }

  const outcome = afterFailure(state, now.getTime());
  await saveLockoutState(trx, person.id, outcome.state, now);
  const lockedUntil = outcome.lockout ? new Date(outcome.lockout.until).toISOString() : undefined;
  await context.audit.append(trx, {
    type: 'auth.factor-failed',
    at,
    actor: person.id,
    person: person.id,
    cabinet: where.cabinet,
    data: {
      kind,
      reason: check.reason,
      ...(check.detail ? { detail: check.detail } : {}),
      consecutiveFailures: state.consecutiveFailures + 1,
      ...(lockedUntil ? { lockedUntil } : {}),
    },
  });
  if (outcome.lockout) {
    await context.audit.append(trx, {
      type: 'auth.locked-out',
      at,
      actor: person.id,
      person: person.id,
      cabinet: where.cabinet,
      data: {
        until: lockedUntil,
        durationMs: outcome.lockout.durationMs,
        lockouts: outcome.state.lockouts,
        consecutiveFailures: state.consecutiveFailures + 1,
      },
    });
  }
  return { ok: false, kind, reason: check.reason, ...(lockedUntil ? { lockedUntil } : {}) };
}

type Check =
  | { ok: true; credentialId: string; detail?: Record<string, unknown> }
  | { ok: false; reason: FactorFailureReason; detail?: string };

async function checkFactor(
  trx: Transaction<DB>,
  context: FactorContext,
  person: string,
  factor: PresentedFactor,
  where: FactorWhere,
  now: Date,
): Promise<Check> {
  switch (factor.kind) {
    case 'pin':
      return checkPin(trx, person, factor.value, now);
    case 'badge':
      return checkBadge(trx, person, factor.value, now);
    case 'totp':
      return checkTotp(trx, context, person, factor.value, now);
    case 'fingerprint': {
      const verifier = context.fingerprintVerifier?.(where);
      if (!verifier) return { ok: false, reason: 'no_credential' };
      return verifier.verify(trx, person, factor.assertion, now);
    }
  }
}

async function checkPin(trx: Transaction<DB>, person: string, value: string, now: Date): Promise<Check> {
  const [pin] = await findLiveCredentials(trx, person, 'pin');
  if (!pin?.secret) {
    await spendPinVerificationTime();
    return { ok: false, reason: 'no_credential' };
  }
  if (!(await verifyPin(pin.secret, value))) return { ok: false, reason: 'wrong_value' };
  await markCredentialUsed(trx, pin.id, now.toISOString());
  return { ok: true, credentialId: pin.id };
}

async function checkBadge(trx: Transaction<DB>, person: string, value: string, now: Date): Promise<Check> {
  const badges = await findLiveCredentials(trx, person, 'badge');
  if (badges.length === 0) return { ok: false, reason: 'no_credential' };
  const number = normalizeBadge(value);
  const badge = number.ok ? badges.find((row) => row.lookup === number.number) : undefined;
  if (!badge) return { ok: false, reason: 'wrong_value' };
  await markCredentialUsed(trx, badge.id, now.toISOString());
  return { ok: true, credentialId: badge.id };
}

async function checkTotp(
  trx: Transaction<DB>,
  context: FactorContext,
  person: string,
  value: string,
  now: Date,
): Promise<Check> {
  const [totp] = await findLiveCredentials(trx, person, 'totp');
  if (!totp?.secret) {
    await spendTotpVerificationTime();
    return { ok: false, reason: 'no_credential' };
  }
  const seed = context.secrets.open(totp.secret, totpSealContext(totp.id));
  const result = await verifyTotp(seed, value, now.getTime(), readTotpSettings(totp), {
    lastUsedStep: totp.counter,
  });
  seed.fill(0);
  if (!result.ok) return { ok: false, reason: result.reason === 'replayed' ? 'replayed' : 'wrong_value' };
  // The step read above may be stale by now: only the conditional update decides.
  if (!(await acceptTotpStep(trx, totp.id, result.step, now.toISOString()))) {
    return { ok: false, reason: 'replayed' };
  }
  return { ok: true, credentialId: totp.id, detail: { drift: result.drift } };
}

/** FactorChecks for the terminal (src/terminal/factor-checks.ts), plus the sign-in success it should report. */
export interface CredentialFactorChecks extends FactorChecks {
  /** Call once when a sign-in succeeds (all factors verified): resets the failure count and the doubling. */
  signedIn(trx: Transaction<DB>, person: string, where: { cabinet: string }): Promise<void>;
}

/**
 * The terminal's view of this module.
 * @example const factors = createFactorChecks({ audit, now, secrets: new SecretBox() })
 */
export function createFactorChecks(context: FactorContext): CredentialFactorChecks {
  return {
    identifyByBadge: (db, badge) => identifyByBadge(db, badge),
    verify: (trx, person, factor, where) => verifyFactor(trx, context, person, factor, where),
    spendVerificationTime: (kind) => spendVerificationTime(kind),
    lockedUntil: async (db, person) => {
      const status = await lockoutStatus(db, person, context.now());
      return status.locked ? status.lockedUntil : null;
    },
    signedIn: (trx, person, where) => recordSignInSuccess(trx, context, person, where),
  };
}
