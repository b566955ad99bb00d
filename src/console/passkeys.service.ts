/**
 * Console passkeys: WebAuthn credentials (kind `passkey`) that a console user enrols for themself and
 * presents, after their password, as the console's second factor instead of an authenticator code. They are
 * kept apart from cabinet fingerprints (kind `fingerprint`): a passkey never opens a cabinet and a
 * fingerprint never signs in to the console.
 *
 * - User verification is required, at enrolment and at every sign-in.
 * - Passkeys are discoverable (resident) credentials, and the sign-in challenge lists no credentials: the
 *   answer to "give me a challenge for p-x" is the same whether p-x exists, has passkeys or not, so it tells
 *   an attacker nothing and never hands out credential ids.
 * - Their WebAuthn user handle differs from the fingerprints' one: an authenticator keeps one discoverable
 *   credential per (rpID, user handle), so sharing it would let a passkey overwrite a fingerprint.
 * - Challenges live two minutes and work once (webauthn_challenges, purposes `passkey-register` bound to the
 *   console session, `passkey-sign-in` bound to the person id as typed).
 *
 * Verification never throws for a bad assertion: it returns the reason, so that sign-in counts the failure
 * towards the lockout and audits the truth in one place (console-sessions.service.ts).
 *
 * The ceremony steps shared with cabinet fingerprints are in src/credentials/webauthn-ceremonies.ts; what is
 * the passkeys' own is here: the limit of ten, the discoverable-credential check, and a check that leaves
 * the signature and counter to the WebAuthn library.
 */
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import type { CredentialRow } from '../credentials/credentials.queries.js';
import {
  type AssertionRefusal,
  claimRegistration,
  credentialRowsOf,
  locateAssertion,
  recordCounter,
  refuseEnrolment,
  startAuthentication,
  startRegistration,
  storeCredential,
  userHandleFor,
  verifyAssertionSignature,
  verifyRegistration,
  viewOf,
  type WebauthnCredentialView,
  type WebauthnKind,
} from '../credentials/webauthn-ceremonies.js';
import type { RelyingParty } from '../credentials/webauthn-config.js';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';

export interface PasskeyContext {
  audit: AuditLog;
  now: () => Date;
  rp: RelyingParty;
}

const MAX_PASSKEYS = 10;

const PASSKEYS: WebauthnKind = {
  kind: 'passkey',
  userHandleNamespace: 'console-passkey-user',
  registerPurpose: 'passkey-register',
  authenticatePurpose: 'passkey-sign-in',
  pruneEveryPurpose: false,
  unknownChallengeMessage: 'the challenge was not issued to this session',
  alreadyEnrolledMessage: 'this passkey is already enrolled',
};

/** A passkey as its owner sees it: never key material. */
export interface Passkey extends WebauthnCredentialView {
  /** The credential row's id: what DELETE /api/v1/console/passkeys/:id takes. */
  id: string;
}

export type PasskeyFailureReason =
  | AssertionRefusal
  | 'not_verified'
  | 'invalid_response'
  | 'counter_regressed';

export type PasskeyCheckResult =
  | { ok: true; credentialId: string }
  | { ok: false; reason: PasskeyFailureReason };

/** The passkeys' WebAuthn user handle of a person: stable, hashed, and not the fingerprints' handle. */
export function passkeyUserHandleOf(personId: string): Uint8Array<ArrayBuffer> {
  return userHandleFor(PASSKEYS, personId);
}

/**
 * Registration options for a new passkey of a signed-in console user: UV and a discoverable credential
 * required, any authenticator (built-in, phone or security key), their live passkeys excluded. The challenge
 * is bound to the console session that asked.
 */
export async function startPasskeyEnrolment(
  db: Kysely<DB>,
  context: PasskeyContext,
  input: { person: string; sessionId: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const person = await db
    .selectFrom('people')
    .select(['id', 'name'])
    .where('id', '=', input.person)
    .executeTakeFirst();
  if (!person) throw new KeywardenError('unknown_person', `person "${input.person}" is not in the directory`);
  const live = await credentialRowsOf(db, PASSKEYS, person.id);
  if (live.length >= MAX_PASSKEYS) {
    throw new KeywardenError('invalid_request', `at most ${MAX_PASSKEYS} passkeys: remove one first`);
  }
  return startRegistration(db, context, PASSKEYS, person, {
    exclude: live,
    authenticatorSelection: {
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    },
    sessionId: input.sessionId,
  });
}

/**
 * Verifies a registration response against the session's open enrolment challenge and stores the passkey,
 * audited as `credential.passkey-enrolled`. Throws invalid_request with `details.reason` when it does not
 * verify.
 */
export async function finishPasskeyEnrolment(
  trx: Transaction<DB>,
  context: PasskeyContext,
  input: { person: string; sessionId: string; response: unknown; label?: string },
): Promise<Passkey> {
  const claimed = await claimRegistration(
    trx,
    context,
    PASSKEYS,
    input.person,
    input.response,
    input.sessionId,
  );
  const credProps = claimed.registration.clientExtensionResults?.credProps as { rk?: boolean } | undefined;
  if (credProps?.rk === false) {
    return refuseEnrolment(
      PASSKEYS,
      'not_discoverable',
      'the authenticator did not keep a discoverable credential (a passkey)',
    );
  }
  const info = await verifyRegistration(context, PASSKEYS, claimed, (message) =>
    /user verification/i.test(message) ? 'not_verified' : 'invalid_response',
  );
  const { row, data } = await storeCredential(trx, context, PASSKEYS, input.person, info, input.label);
  await context.audit.append(trx, {
    type: 'credential.passkey-enrolled',
    at: row.created_at,
    actor: input.person,
    person: input.person,
    data: {
      credential: row.id,
      credentialId: row.lookup,
      label: data.label,
      aaguid: data.aaguid,
      deviceType: data.deviceType,
      backedUp: data.backedUp,
    },
  });
  return toPasskey(row);
}

/** A person's live passkeys, oldest first. */
export async function listPasskeys(db: Kysely<DB>, person: string): Promise<Passkey[]> {
  return (await credentialRowsOf(db, PASSKEYS, person)).map(toPasskey);
}

/** Removes one of the person's own live passkeys (audited); not_found when there is no such passkey. */
export async function revokePasskey(
  trx: Transaction<DB>,
  context: Pick<PasskeyContext, 'audit' | 'now'>,
  input: { person: string; id: string; by?: string },
): Promise<void> {
  const at = context.now().toISOString();
  // One conditional update: of two removals at once, only one finds the passkey live and audits it.
  const row = await trx
    .updateTable('credentials')
    .set({ revoked_at: at })
    .where('id', '=', input.id)
    .where('person_id', '=', input.person)
    .where('kind', '=', 'passkey')
    .where('revoked_at', 'is', null)
    .returning(['id', 'lookup'])
    .executeTakeFirst();
  if (!row) throw new KeywardenError('not_found', `you have no passkey "${input.id}"`);
  await context.audit.append(trx, {
    type: 'credential.passkey-revoked',
    at,
    actor: input.by ?? input.person,
    person: input.person,
    data: { credential: row.id, credentialId: row.lookup },
  });
}

/**
 * Authentication options for a console sign-in by `person` (as typed): the same answer whether or not the
 * person exists or has passkeys (no credential list: passkeys are discoverable). The challenge is stored
 * for the id as typed either way, so the work done does not differ either.
 */
export async function startPasskeySignIn(
  db: Kysely<DB>,
  context: PasskeyContext,
  person: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return startAuthentication(db, context, PASSKEYS, person, { allow: [], sessionId: null });
}

/**
 * Verifies a sign-in assertion for `person`: a challenge issued to them by startPasskeySignIn (consumed
 * whatever the outcome), one of their live passkeys, the origin and rpID, a valid signature with UV, and a
 * counter moving forward (a conditional write). Never throws for a bad assertion.
 */
export async function verifyPasskey(
  trx: Transaction<DB>,
  context: PasskeyContext,
  person: string,
  response: unknown,
): Promise<PasskeyCheckResult> {
  const located = await locateAssertion(trx, context, PASSKEYS, person, response, null);
  // Sign-in says why, but never which credential id was tried.
  if (!located.ok) return { ok: false, reason: located.reason };
  const { assertion, row } = located;
  try {
    const flags = parseAuthenticatorData(isoBase64URL.toBuffer(assertion.response.authenticatorData)).flags;
    if (!flags.up || !flags.uv) return { ok: false, reason: 'not_verified' };
  } catch {
    return { ok: false, reason: 'malformed' };
  }

  const stored = row.counter ?? 0;
  let counter: number;
  try {
    const verification = await verifyAssertionSignature(context, located, stored);
    if (!verification.verified) return { ok: false, reason: 'invalid_response' };
    counter = verification.authenticationInfo.newCounter;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    return { ok: false, reason: /counter/i.test(message) ? 'counter_regressed' : 'invalid_response' };
  }
  if (!(await recordCounter(trx, context, row, stored, counter)))
    return { ok: false, reason: 'counter_regressed' };
  return { ok: true, credentialId: row.id };
}

function toPasskey(row: CredentialRow): Passkey {
  return { id: row.id, ...viewOf(row) };
}
