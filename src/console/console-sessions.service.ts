/**
 * Console sign-in and sessions. A person signs in with their password and a second factor: an authenticator
 * code or one of their passkeys (passkeys.service.ts). Both are checked in one path, signIn (the second
 * factor only after the password, so a guessed password never burns a code or a challenge), failures count
 * towards the same lockout as the cabinet's factors (src/credentials/factor-lockouts.ts), and every failure
 * answers alike: authentication_failed, whatever the truth (the truth goes to the audit log).
 *
 * A session is a random cookie token; the database keeps only its SHA-256 as the id, and the SHA-256 of a
 * CSRF token given once at sign-in. It ends after 30 minutes without a request, 12 hours after sign-in, at
 * sign-out, and at once for everyone whose person is deactivated or loses their last console role.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { findLiveCredentials, findPerson, markCredentialUsed } from '../credentials/credentials.queries.js';
import type { CredentialContext } from '../credentials/credentials.service.js';
import { lockLockoutState, recordSignInSuccess, saveLockoutState } from '../credentials/factor-lockouts.js';
import {
  type FactorContext,
  spendVerificationTime,
  verifyFactor,
} from '../credentials/factor-verification.js';
import type { RelyingParty } from '../credentials/webauthn-config.js';
import { type ConsoleRole, isConsoleRole, teamOf } from '../domain/console/console-roles.js';
import { afterFailure, isLockedOut } from '../domain/credentials/lockout.js';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import { verifyPasskey } from './passkeys.service.js';
import { verifyPassword } from './password-hash.js';

export const IDLE_TIMEOUT_MS = 30 * 60_000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;

export type ConsoleContext = CredentialContext &
  Pick<FactorContext, 'fingerprintVerifier'> & {
    /** The WebAuthn relying party for console passkeys; without it passkey sign-in fails (never opens). */
    rp?: RelyingParty;
  };

/** What a person presents to sign in: their password and one second factor. */
export type SignInInput = { person: string; password: string } & (
  | { totp: string; passkey?: undefined }
  | { passkey: unknown; totp?: undefined }
);

export interface ConsoleUser {
  person: string;
  name: string;
  roles: ConsoleRole[];
  /** The people this person supervises, down the chain (empty unless they supervise anyone). */
  team: string[];
}

export interface ConsoleSession {
  /** SHA-256 of the cookie token. */
  id: string;
  person: string;
  createdAt: string;
  lastActiveAt: string;
  /** The absolute end; the idle end is lastActiveAt + 30 minutes. */
  expiresAt: string;
}

export type SignInResult =
  | { ok: true; token: string; csrfToken: string; session: ConsoleSession; user: ConsoleUser }
  | { ok: false; reason: string };

/** The one answer to every failed sign-in. */
export const CONSOLE_SIGN_IN_FAILED =
  'sign-in failed: check your person id, password and second factor (authenticator code or passkey); repeated failures lock the account for a while';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function unauthorized(message = 'sign in to the console first'): KeywardenError {
  return new KeywardenError('console_unauthorized', message);
}

/** A person's console roles, in the order CONSOLE_ROLES lists them. */
export async function consoleRolesOf(db: Kysely<DB>, person: string): Promise<ConsoleRole[]> {
  const rows = await db.selectFrom('console_roles').select('role').where('person_id', '=', person).execute();
  return rows
    .map((row) => row.role)
    .filter(isConsoleRole)
    .sort();
}

/** The console user a person is now: name, roles, team. */
export async function loadConsoleUser(db: Kysely<DB>, person: string): Promise<ConsoleUser | null> {
  const row = await findPerson(db, person);
  if (!row) return null;
  const roles = await consoleRolesOf(db, person);
  let team: string[] = [];
  if (roles.includes('supervisor')) {
    const people = await db.selectFrom('people').select(['id', 'supervisor_id']).execute();
    team = [
      ...teamOf(
        person,
        people.map((p) => ({ id: p.id, supervisor: p.supervisor_id })),
      ),
    ].sort();
  }
  return { person: row.id, name: row.name, roles, team };
}

/**
 * Checks a password and a second factor (an authenticator code, or a passkey assertion answering a
 * challenge from startPasskeySignIn) and, when both are right, opens a session. Returns (does not throw) a
 * failure, so that the caller commits the failure count and the audit entries.
 * @example const result = await signIn(trx, context, { person: 'p-okafor', password, totp: '123456' })
 */
export async function signIn(
  trx: Transaction<DB>,
  context: ConsoleContext,
  input: SignInInput,
): Promise<SignInResult> {
  const verified = await verifyConsoleFactors(trx, context, input);
  if (!verified.ok) return verified;
  const now = context.now();
  const opened = await startConsoleSession(trx, verified.person, now);
  const user = (await loadConsoleUser(trx, verified.person)) as ConsoleUser;
  await context.audit.append(trx, {
    type: 'console.signed-in',
    at: now.toISOString(),
    actor: verified.person,
    person: verified.person,
    data: { session: opened.session.id.slice(0, 16), roles: user.roles },
  });
  return { ok: true, ...opened, user };
}

/**
 * The two factors of a console user, checked as sign-in checks them (same lockout, same timing, same audit
 * of failures as `console.sign-in-failed` with `via`) without opening a session: for an action that stands
 * on its own, such as deciding through a one-time approval link.
 */
export async function verifyConsoleFactors(
  trx: Transaction<DB>,
  context: ConsoleContext,
  input: SignInInput,
  via: 'sign-in' | 'approval-link' = 'sign-in',
): Promise<{ ok: true; person: string } | { ok: false; reason: string }> {
  const now = context.now();
  const at = now.toISOString();
  const failed = async (reason: string, person: string | null) => {
    await context.audit.append(trx, {
      type: 'console.sign-in-failed',
      at,
      actor: person,
      person,
      data: via === 'sign-in' ? { reason } : { reason, via },
    });
    return { ok: false as const, reason };
  };

  const person = await findPerson(trx, input.person);
  if (!person) {
    await verifyPassword(null, input.password);
    await spendVerificationTime('totp');
    return failed('unknown_person', null);
  }
  const state = await lockLockoutState(trx, person.id, now);
  if (isLockedOut(state, now.getTime())) {
    await verifyPassword(null, input.password);
    await spendVerificationTime('totp');
    return failed('locked_out', person.id);
  }
  const roles = await consoleRolesOf(trx, person.id);
  const [password] = await findLiveCredentials(trx, person.id, 'password');
  const passwordOk = await verifyPassword(password?.secret ?? null, input.password);
  const refusal =
    person.active !== 1
      ? 'person_inactive'
      : roles.length === 0
        ? 'no_console_role'
        : !password
          ? 'no_password'
          : passwordOk
            ? null
            : 'wrong_password';
  if (refusal !== null) {
    await spendVerificationTime('totp');
    // Only a wrong password is a guess at a secret: it counts towards the lockout, with the cabinet's factors.
    if (refusal === 'wrong_password') {
      await countFailure(trx, context, person.id, state, now, { kind: 'password', reason: 'wrong_value' });
    }
    return failed(refusal, person.id);
  }

  const second = await verifySecondFactor(trx, context, person.id, input, state, now);
  if (second !== null) return failed(second, person.id);

  await recordSignInSuccess(trx, context, person.id);
  if (password) await markCredentialUsed(trx, password.id, at);
  return { ok: true, person: person.id };
}

/**
 * The second factor, once the password is right: null when it verifies, else the reason for the audit log
 * (`totp_wrong_value`, `passkey_not_verified`...). Either failure counts towards the lockout and is audited
 * as auth.factor-failed: the code by the factor verification the cabinets share, the passkey here.
 */
async function verifySecondFactor(
  trx: Transaction<DB>,
  context: ConsoleContext,
  person: string,
  input: SignInInput,
  state: Parameters<typeof afterFailure>[0],
  now: Date,
): Promise<string | null> {
  if (input.totp !== undefined) {
    const code = await verifyFactor(
      trx,
      context,
      person,
      { kind: 'totp', value: input.totp },
      { cabinet: null },
    );
    return code.ok ? null : `totp_${code.reason}`;
  }
  const check = context.rp
    ? await verifyPasskey(
        trx,
        { audit: context.audit, now: context.now, rp: context.rp },
        person,
        input.passkey,
      )
    : ({ ok: false, reason: 'no_credential' } as const);
  if (!check.ok) {
    const reason =
      check.reason === 'no_credential'
        ? 'no_credential'
        : check.reason === 'replayed_challenge' || check.reason === 'counter_regressed'
          ? 'replayed'
          : 'wrong_value';
    await countFailure(trx, context, person, state, now, { kind: 'passkey', reason, detail: check.reason });
    return `passkey_${check.reason}`;
  }
  await context.audit.append(trx, {
    type: 'auth.factor-succeeded',
    at: now.toISOString(),
    actor: person,
    person,
    data: { kind: 'passkey', credential: check.credentialId, where: 'console' },
  });
  return null;
}

/** Counts a failed console factor towards the lockout shared with the cabinets, and audits it. */
async function countFailure(
  trx: Transaction<DB>,
  context: ConsoleContext,
  person: string,
  state: Parameters<typeof afterFailure>[0],
  now: Date,
  failure: { kind: 'password' | 'passkey'; reason: string; detail?: string },
): Promise<void> {
  const at = now.toISOString();
  const outcome = afterFailure(state, now.getTime());
  await saveLockoutState(trx, person, outcome.state, now);
  const lockedUntil = outcome.lockout ? new Date(outcome.lockout.until).toISOString() : undefined;
  await context.audit.append(trx, {
    type: 'auth.factor-failed',
    at,
    actor: person,
    person,
    data: {
      kind: failure.kind,
      reason: failure.reason,
      ...(failure.detail ? { detail: failure.detail } : {}),
      where: 'console',
      consecutiveFailures: state.consecutiveFailures + 1,
      ...(lockedUntil ? { lockedUntil } : {}),
    },
  });
  if (outcome.lockout) {
    await context.audit.append(trx, {
      type: 'auth.locked-out',
      at,
      actor: person,
      person,
      data: {
        until: lockedUntil,
        durationMs: outcome.lockout.durationMs,
        lockouts: outcome.state.lockouts,
        consecutiveFailures: state.consecutiveFailures + 1,
        where: 'console',
      },
    });
  }
}

/**
 * Opens a session for a person already authenticated. signIn calls it after both factors; tests call it to
 * get a session for a role without typing a password. Not audited here: the caller audits the sign-in.
 */
export async function startConsoleSession(
  db: Kysely<DB>,
  person: string,
  now: Date,
): Promise<{ token: string; csrfToken: string; session: ConsoleSession }> {
  const token = `kws_${randomBytes(32).toString('base64url')}`;
  const csrfToken = randomBytes(32).toString('base64url');
  const at = now.toISOString();
  const session: ConsoleSession = {
    id: sha256Hex(token),
    person,
    createdAt: at,
    lastActiveAt: at,
    expiresAt: new Date(now.getTime() + ABSOLUTE_TIMEOUT_MS).toISOString(),
  };
  await db
    .insertInto('console_sessions')
    .values({
      id: session.id,
      person_id: person,
      csrf_token_hash: sha256Hex(csrfToken),
      created_at: at,
      last_active_at: at,
      expires_at: session.expiresAt,
      ended_at: null,
      end_reason: null,
    })
    .execute();
  return { token, csrfToken, session };
}

async function endSession(db: Kysely<DB>, id: string, at: string, reason: string): Promise<boolean> {
  const result = await db
    .updateTable('console_sessions')
    .set({ ended_at: at, end_reason: reason })
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface UsedSession {
  session: ConsoleSession;
  user: ConsoleUser;
  /** Whether `csrfToken` is this session's CSRF token (constant-time). */
  csrfMatches(csrfToken: string | undefined): boolean;
}

/**
 * The session a cookie token opens at `now`, its activity moved to now; console_unauthorized when there is
 * none, it ended, it was idle 30 minutes, it is 12 hours old, or its person is inactive or has no console
 * role left (those three end it, recorded with the reason).
 */
export async function resumeConsoleSession(db: Kysely<DB>, token: string, now: Date): Promise<UsedSession> {
  if (!token.startsWith('kws_') || token.length > 100) throw unauthorized();
  const id = sha256Hex(token);
  const row = await db.selectFrom('console_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.ended_at !== null) throw unauthorized();
  const at = now.toISOString();
  if (now.getTime() >= Date.parse(row.expires_at)) {
    await endSession(db, id, at, 'expired');
    throw unauthorized('the console session has expired (12 hours): sign in again');
  }
  if (now.getTime() - Date.parse(row.last_active_at) >= IDLE_TIMEOUT_MS) {
    await endSession(db, id, at, 'idle');
    throw unauthorized('the console session has expired (30 minutes idle): sign in again');
  }
  const person = await findPerson(db, row.person_id);
  const user = await loadConsoleUser(db, row.person_id);
  if (person?.active !== 1 || !user || user.roles.length === 0) {
    await endSession(db, id, at, person?.active === 1 ? 'no-console-role' : 'person-inactive');
    throw unauthorized();
  }
  await db
    .updateTable('console_sessions')
    .set({ last_active_at: at })
    .where('id', '=', id)
    .where('last_active_at', '<', at)
    .execute();
  const expected = Buffer.from(row.csrf_token_hash, 'hex');
  return {
    session: {
      id,
      person: row.person_id,
      createdAt: row.created_at,
      lastActiveAt: at,
      expiresAt: row.expires_at,
    },
    user,
    csrfMatches: (csrfToken) => {
      if (!csrfToken || csrfToken.length > 100) return false;
      const given = Buffer.from(sha256Hex(csrfToken), 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** Ends one session at the person's request. */
export async function signOut(
  trx: Transaction<DB>,
  context: ConsoleContext,
  session: Pick<ConsoleSession, 'id' | 'person'>,
): Promise<void> {
  const at = context.now().toISOString();
  if (await endSession(trx, session.id, at, 'signed-out')) {
    await context.audit.append(trx, {
      type: 'console.signed-out',
      at,
      actor: session.person,
      person: session.person,
      data: { session: session.id.slice(0, 16) },
    });
  }
}

/**
 * Ends every live session of a person at once (deactivated, last role revoked, password changed);
 * audited when there was one. Returns how many ended.
 * @example await endAllSessionsOf(trx, context, 'p-chen', 'person-deactivated', { by: 'p-okafor' })
 */
export async function endAllSessionsOf(
  trx: Transaction<DB>,
  context: Pick<ConsoleContext, 'audit' | 'now'>,
  person: string,
  reason: string,
  options: { by?: string } = {},
): Promise<number> {
  const at = context.now().toISOString();
  const result = await trx
    .updateTable('console_sessions')
    .set({ ended_at: at, end_reason: reason })
    .where('person_id', '=', person)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  const ended = Number(result.numUpdatedRows);
  if (ended > 0) {
    await context.audit.append(trx, {
      type: 'console.sessions-ended',
      at,
      actor: options.by ?? 'cli',
      person,
      data: { sessions: ended, reason },
    });
  }
  return ended;
}

/**
 * Ends the live sessions of everyone inactive in the directory: the hook for a directory import that
 * deactivates people (resumeConsoleSession refuses them anyway; this makes the end recorded and immediate).
 */
export async function endSessionsOfInactivePeople(
  trx: Transaction<DB>,
  context: Pick<ConsoleContext, 'audit' | 'now'>,
  options: { by?: string } = {},
): Promise<number> {
  const rows = await trx
    .selectFrom('console_sessions')
    .innerJoin('people', 'people.id', 'console_sessions.person_id')
    .select('console_sessions.person_id')
    .distinct()
    .where('console_sessions.ended_at', 'is', null)
    .where('people.active', '=', 0)
    .execute();
  let ended = 0;
  for (const row of rows) {
    ended += await endAllSessionsOf(trx, context, row.person_id, 'person-deactivated', options);
  }
  return ended;
}
