/**
 * Fingerprints: WebAuthn credentials whose authenticator verifies the user (user verification, "UV"), such
 * as the fingerprint reader of a terminal. Enrolment and each check are a challenge issued here, signed by
 * the authenticator, and verified here; a challenge lives two minutes and works once.
 *
 * A check never throws for a bad response: a failed finger (UV false), a replayed or expired challenge, a
 * credential that is not the person's or a bad signature are all `{ ok: false, reason }`, so the caller (the
 * terminal session) counts a failed factor, audits the attempt and applies lockouts in one place. Functions
 * take the caller's transaction; enrolment and revocation append their audit entry in it.
 *
 * The ceremony steps shared with console passkeys are in webauthn-ceremonies.ts; what is the fingerprints'
 * own is here: the person must be active, the authenticator's flags are read before the library, and a
 * check verifies the signature itself so that a forgery is reported as one and not as a failed finger.
 */

import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import {
  decodeAttestationObject,
  isoBase64URL,
  isoUint8Array,
  parseAuthenticatorData,
  toHash,
  verifySignature,
} from '@simplewebauthn/server/helpers';
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import type { CredentialRow } from './credentials.queries.js';
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
} from './webauthn-ceremonies.js';
import { consumeOpenChallenges } from './webauthn-challenges.js';
import type { RelyingParty } from './webauthn-config.js';

export { CHALLENGE_TTL_MS } from './webauthn-challenges.js';
export { authenticationResponseSchema, registrationResponseSchema } from './webauthn-responses.js';

export interface WebauthnContext {
  audit: AuditLog;
  now: () => Date;
  rp: RelyingParty;
}

const FINGERPRINTS: WebauthnKind = {
  kind: 'fingerprint',
  userHandleNamespace: 'webauthn-user',
  registerPurpose: 'register',
  authenticatePurpose: 'authenticate',
  pruneEveryPurpose: true,
  unknownChallengeMessage: 'the challenge was not issued for this enrolment',
  alreadyEnrolledMessage: 'this credential is already enrolled',
};

/** A fingerprint credential as the console and terminal see it: never key material. */
export interface Fingerprint extends WebauthnCredentialView {
  revokedAt: string | null;
}

export type FingerprintFailureReason =
  /** malformed, a challenge refused, no_credential, unknown_credential, revoked_credential, wrong_origin. */
  | AssertionRefusal
  | 'bad_signature'
  /** The authenticator did not verify the user: a failed finger. */
  | 'not_verified'
  /** The signature counter went backwards: possibly a cloned authenticator, or a concurrent use. */
  | 'counter_regressed'
  /** The browser reported that the authenticator gave no answer (failed finger, cancel or timeout). */
  | 'authenticator_refused'
  /** Anything else the WebAuthn library rejected. */
  | 'invalid_response';

export type FingerprintCheckResult =
  | { ok: true; credentialId: string }
  | { ok: false; reason: FingerprintFailureReason; credentialId?: string };

/**
 * The WebAuthn user handle of a person: stable, so an authenticator keeps one discoverable credential per
 * person, and a hash, so the authenticator does not store the directory id in the clear.
 */
export function userHandleOf(personId: string): Uint8Array<ArrayBuffer> {
  return userHandleFor(FINGERPRINTS, personId);
}

/**
 * Registration options for a new fingerprint of an active person: UV required, a platform authenticator
 * (or as the relying party says), the person's live fingerprints excluded so one finger is not enrolled
 * twice on one authenticator. The challenge is stored for two minutes, bound to `sessionId` when given.
 */
export async function startFingerprintEnrolment(
  db: Kysely<DB>,
  context: WebauthnContext,
  personId: string,
  options: { sessionId?: string } = {},
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const person = await db
    .selectFrom('people')
    .select(['id', 'name', 'active'])
    .where('id', '=', personId)
    .executeTakeFirst();
  if (!person) throw new KeywardenError('unknown_person', `person "${personId}" is not in the directory`);
  if (person.active !== 1) throw new KeywardenError('person_inactive', `person "${personId}" is inactive`);
  const { rp } = context;
  return startRegistration(db, context, FINGERPRINTS, person, {
    exclude: await credentialRowsOf(db, FINGERPRINTS, personId),
    authenticatorSelection: {
      ...(rp.attachment === 'any' ? {} : { authenticatorAttachment: rp.attachment }),
      residentKey: 'preferred',
      userVerification: 'required',
    },
    sessionId: options.sessionId,
  });
}

/**
 * Verifies a registration response against the person's open enrolment challenge (user verification
 * required) and stores the fingerprint. Throws invalid_request with `details.reason` (one of the
 * FingerprintFailureReason values, or `already_enrolled`) when the response does not verify.
 */
export async function finishFingerprintEnrolment(
  trx: Transaction<DB>,
  context: WebauthnContext,
  personId: string,
  response: unknown,
  options: { sessionId?: string; label?: string; actor?: string; cabinet?: string } = {},
): Promise<Fingerprint> {
  const claimed = await claimRegistration(trx, context, FINGERPRINTS, personId, response, options.sessionId);
  // The flags are read here, before the library, so that a failed finger is refused as one.
  let flags: { up: boolean; uv: boolean };
  try {
    const attestation = decodeAttestationObject(
      isoBase64URL.toBuffer(claimed.registration.response.attestationObject),
    );
    flags = parseAuthenticatorData(attestation.get('authData')).flags;
  } catch {
    return refuseEnrolment(FINGERPRINTS, 'malformed', 'the attestation object cannot be read');
  }
  if (!flags.up || !flags.uv) {
    return refuseEnrolment(FINGERPRINTS, 'not_verified', 'the authenticator did not verify the finger');
  }
  const info = await verifyRegistration(context, FINGERPRINTS, claimed);
  const { row, data } = await storeCredential(trx, context, FINGERPRINTS, personId, info, options.label);
  await context.audit.append(trx, {
    type: 'credential.fingerprint-enrolled',
    at: row.created_at,
    actor: options.actor ?? personId,
    person: personId,
    cabinet: options.cabinet ?? null,
    data: {
      credentialId: row.lookup,
      label: data.label,
      aaguid: data.aaguid,
      deviceType: data.deviceType,
      backedUp: data.backedUp,
    },
  });
  return toFingerprint(row);
}

/**
 * Authentication options for checking a person's fingerprint: only the person's live fingerprints are
 * allowed and UV is required. Throws not_found (`details.reason` `no_credential`) when the person has none,
 * so a terminal does not offer a finger that cannot work.
 */
export async function startFingerprintCheck(
  db: Kysely<DB>,
  context: WebauthnContext,
  personId: string,
  options: { sessionId?: string } = {},
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const live = await credentialRowsOf(db, FINGERPRINTS, personId);
  if (live.length === 0) {
    throw new KeywardenError('not_found', `person "${personId}" has no fingerprint enrolled`, {
      reason: 'no_credential',
    });
  }
  return startAuthentication(db, context, FINGERPRINTS, personId, {
    allow: live,
    sessionId: options.sessionId,
  });
}

/**
 * Verifies an assertion for `personId`: the challenge must be one issued to the person (in `sessionId`
 * when given), unanswered and not expired; it is consumed whatever the outcome. The credential must be one
 * of the person's live fingerprints, the signature valid, the UV flag set and the counter moving forward
 * (updated with a conditional write). Never throws for a bad response; returns why it failed.
 */
export async function verifyFingerprint(
  trx: Transaction<DB>,
  context: WebauthnContext,
  personId: string,
  response: unknown,
  options: { sessionId?: string } = {},
): Promise<FingerprintCheckResult> {
  const located = await locateAssertion(trx, context, FINGERPRINTS, personId, response, options.sessionId);
  if (!located.ok) return located;
  const { assertion, row, data } = located;
  const credentialId = assertion.id;

  const publicKey = isoBase64URL.toBuffer(data.publicKey);
  let authData: ReturnType<typeof parseAuthenticatorData>;
  let signatureValid: boolean;
  try {
    const authDataBytes = isoBase64URL.toBuffer(assertion.response.authenticatorData);
    authData = parseAuthenticatorData(authDataBytes);
    const clientDataHash = await toHash(isoBase64URL.toBuffer(assertion.response.clientDataJSON));
    signatureValid = await verifySignature({
      signature: isoBase64URL.toBuffer(assertion.response.signature),
      data: isoUint8Array.concat([authDataBytes, clientDataHash]),
      credentialPublicKey: publicKey,
    });
  } catch {
    return { ok: false, reason: 'malformed', credentialId };
  }
  if (!isoUint8Array.areEqual(authData.rpIdHash, await toHash(isoUint8Array.fromUTF8String(context.rp.id)))) {
    return { ok: false, reason: 'wrong_origin', credentialId };
  }
  // Signature before flags, so that a forgery is reported as one and not as a failed finger.
  if (!signatureValid) return { ok: false, reason: 'bad_signature', credentialId };
  if (!authData.flags.up || !authData.flags.uv) return { ok: false, reason: 'not_verified', credentialId };
  const stored = row.counter ?? 0;
  const counter = authData.counter;
  if ((counter > 0 || stored > 0) && counter <= stored) {
    return { ok: false, reason: 'counter_regressed', credentialId };
  }

  // The library has the last word, with UV required.
  try {
    const verification = await verifyAssertionSignature(context, located, stored);
    if (!verification.verified) return { ok: false, reason: 'bad_signature', credentialId };
  } catch {
    return { ok: false, reason: 'invalid_response', credentialId };
  }

  if (!(await recordCounter(trx, context, row, stored, counter))) {
    return { ok: false, reason: 'counter_regressed', credentialId };
  }
  return { ok: true, credentialId };
}

/**
 * Records that the browser got no assertion (`NotAllowedError`: the finger failed, or the person cancelled
 * or waited too long; browsers do not say which). Consumes the person's open check challenges (in
 * `sessionId` when given) and returns the failed result, so the caller counts it like any failed finger.
 */
export async function failFingerprintCheck(
  trx: Transaction<DB>,
  context: WebauthnContext,
  personId: string,
  options: { sessionId?: string } = {},
): Promise<FingerprintCheckResult> {
  await consumeOpenChallenges(trx, context.now().toISOString(), {
    person: personId,
    purpose: FINGERPRINTS.authenticatePurpose,
    sessionId: options.sessionId,
  });
  return { ok: false, reason: 'authenticator_refused' };
}

/** Revokes one of a person's live fingerprints; throws not_found when there is no such live credential. */
export async function revokeFingerprint(
  trx: Transaction<DB>,
  context: WebauthnContext,
  personId: string,
  credentialId: string,
  options: { actor?: string; reason?: string } = {},
): Promise<void> {
  const at = context.now().toISOString();
  const updated = await trx
    .updateTable('credentials')
    .set({ revoked_at: at })
    .where('person_id', '=', personId)
    .where('kind', '=', 'fingerprint')
    .where('lookup', '=', credentialId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    throw new KeywardenError('not_found', `person "${personId}" has no live fingerprint "${credentialId}"`);
  }
  await context.audit.append(trx, {
    type: 'credential.fingerprint-revoked',
    at,
    actor: options.actor ?? personId,
    person: personId,
    data: { credentialId, ...(options.reason ? { reason: options.reason } : {}) },
  });
}

/** A person's fingerprints, oldest first; revoked ones only when asked. */
export async function listFingerprints(
  db: Kysely<DB>,
  personId: string,
  options: { includeRevoked?: boolean } = {},
): Promise<Fingerprint[]> {
  return (await credentialRowsOf(db, FINGERPRINTS, personId, options)).map(toFingerprint);
}

function toFingerprint(row: CredentialRow): Fingerprint {
  return { ...viewOf(row), revokedAt: row.revoked_at };
}
