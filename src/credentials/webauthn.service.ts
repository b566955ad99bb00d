/**
 * Fingerprints: WebAuthn credentials whose authenticator verifies the user (user verification, "UV"), such
 * as the fingerprint reader of a terminal. Enrolment and each check are a challenge issued here, signed by
 * the authenticator, and verified here; a challenge lives two minutes and works once.
 *
 * A check never throws for a bad response: a failed finger (UV false), a replayed or expired challenge, a
 * credential that is not the person's or a bad signature are all `{ ok: false, reason }`, so the caller (the
 * terminal session) counts a failed factor, audits the attempt and applies lockouts in one place. Functions
 * take the caller's transaction; enrolment and revocation append their audit entry in it.
 */
import { createHash } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import {
  COSEALG,
  decodeAttestationObject,
  isoBase64URL,
  isoUint8Array,
  parseAuthenticatorData,
  toHash,
  verifySignature,
} from '@simplewebauthn/server/helpers';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import { newId } from '../store/ids.js';
import type { CredentialTable, DB } from '../store/schema.js';
import type { RelyingParty } from './webauthn-config.js';

export interface WebauthnContext {
  audit: AuditLog;
  now: () => Date;
  rp: RelyingParty;
}

/** How long a challenge may be answered. */
export const CHALLENGE_TTL_MS = 2 * 60_000;
/** What the browser is told to wait for a finger; shorter than the challenge, so a slow finger still counts. */
const CEREMONY_TIMEOUT_MS = 60_000;
/** Answered or expired challenges are kept this long (to tell a replay from a forgery), then pruned. */
const CHALLENGE_RETENTION_MS = 24 * 60 * 60_000;
const SUPPORTED_ALGORITHMS = [COSEALG.ES256, COSEALG.EdDSA, COSEALG.RS256];

/** A fingerprint credential as the console and terminal see it: never key material. */
export interface Fingerprint {
  /** The WebAuthn credential id, base64url. */
  credentialId: string;
  label: string | null;
  transports: string[];
  aaguid: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type FingerprintFailureReason =
  /** The body is not a WebAuthn assertion. */
  | 'malformed'
  /** Not a challenge issued to this person (in this session): a forged or misrouted response. */
  | 'unknown_challenge'
  /** The challenge was answered before. */
  | 'replayed_challenge'
  | 'challenge_expired'
  /** The person has no fingerprint enrolled (any more). */
  | 'no_credential'
  /** The credential is not one of this person's fingerprints (unknown, or someone else's). */
  | 'unknown_credential'
  | 'revoked_credential'
  /** Signed for another origin or rpID. */
  | 'wrong_origin'
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

const base64url = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*={0,2}$/, 'must be base64url');

/** The JSON that @simplewebauthn/browser's startAuthentication() returns; for request schemas. */
export const authenticationResponseSchema = z.object({
  id: base64url.min(1),
  rawId: base64url.min(1),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});

/** The JSON that @simplewebauthn/browser's startRegistration() returns; for request schemas. */
export const registrationResponseSchema = z.object({
  id: base64url.min(1),
  rawId: base64url.min(1),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url,
    attestationObject: base64url,
    authenticatorData: base64url.optional(),
    transports: z.array(z.string().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url.optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});

type CredentialRow = Selectable<CredentialTable>;

interface FingerprintData {
  publicKey: string;
  transports: string[];
  aaguid: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  label: string | null;
}

/**
 * The WebAuthn user handle of a person: stable, so an authenticator keeps one discoverable credential per
 * person, and a hash, so the authenticator does not store the directory id in the clear.
 */
export function userHandleOf(personId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(`keywarden:webauthn-user:${personId}`).digest());
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
  const live = await liveFingerprintRows(db, personId);
  const { rp } = context;
  const optionsJSON = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: person.id,
    userID: userHandleOf(person.id),
    userDisplayName: person.name,
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: live.map((row) => ({
      id: row.lookup as string,
      transports: parseData(row).transports,
    })),
    authenticatorSelection: {
      ...(rp.attachment === 'any' ? {} : { authenticatorAttachment: rp.attachment }),
      residentKey: 'preferred',
      userVerification: 'required',
    },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  await storeChallenge(db, context, personId, 'register', optionsJSON.challenge, options.sessionId);
  return optionsJSON;
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
  const fail = (reason: string, message: string): never => {
    throw new KeywardenError('invalid_request', `fingerprint not enrolled: ${message}`, { reason });
  };
  const parsed = registrationResponseSchema.safeParse(response);
  if (!parsed.success) return fail('malformed', 'the body is not a WebAuthn registration response');
  const registration = parsed.data as RegistrationResponseJSON;
  const clientData = readClientData(registration.response.clientDataJSON);
  if (clientData?.type !== 'webauthn.create') {
    return fail('malformed', 'clientDataJSON is not a registration');
  }
  const claimed = await claimChallenge(
    trx,
    context,
    personId,
    'register',
    clientData.challenge,
    options.sessionId,
  );
  if (claimed !== 'claimed') return fail(claimed, describe(claimed));
  if (!context.rp.origins.includes(clientData.origin)) {
    return fail('wrong_origin', `origin ${clientData.origin} is not one of this server's`);
  }

  let flags: { up: boolean; uv: boolean };
  try {
    const attestation = decodeAttestationObject(
      isoBase64URL.toBuffer(registration.response.attestationObject),
    );
    flags = parseAuthenticatorData(attestation.get('authData')).flags;
  } catch {
    return fail('malformed', 'the attestation object cannot be read');
  }
  if (!flags.up || !flags.uv) return fail('not_verified', 'the authenticator did not verify the finger');

  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: registration,
      expectedChallenge: clientData.challenge,
      expectedOrigin: context.rp.origins,
      expectedRPID: context.rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  } catch (error) {
    return fail('invalid_response', error instanceof Error ? error.message : 'the response does not verify');
  }
  if (!verification.verified) return fail('invalid_response', 'the response does not verify');
  const info = verification.registrationInfo;
  const credentialId = info.credential.id;

  const existing = await trx
    .selectFrom('credentials')
    .select('person_id')
    .where('kind', '=', 'fingerprint')
    .where('lookup', '=', credentialId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (existing) return fail('already_enrolled', 'this credential is already enrolled');

  const at = context.now().toISOString();
  const data: FingerprintData = {
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    transports: info.credential.transports ?? [],
    aaguid: info.aaguid,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    label: options.label?.trim() || null,
  };
  await trx
    .insertInto('credentials')
    .values({
      id: newId(context.now().getTime()),
      person_id: personId,
      kind: 'fingerprint',
      lookup: credentialId,
      secret: null,
      data: JSON.stringify(data),
      counter: info.credential.counter,
      created_at: at,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  await context.audit.append(trx, {
    type: 'credential.fingerprint-enrolled',
    at,
    actor: options.actor ?? personId,
    person: personId,
    cabinet: options.cabinet ?? null,
    data: {
      credentialId,
      label: data.label,
      aaguid: data.aaguid,
      deviceType: data.deviceType,
      backedUp: data.backedUp,
    },
  });
  return {
    credentialId,
    label: data.label,
    transports: data.transports,
    aaguid: data.aaguid,
    deviceType: data.deviceType,
    backedUp: data.backedUp,
    createdAt: at,
    lastUsedAt: null,
    revokedAt: null,
  };
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
  const live = await liveFingerprintRows(db, personId);
  if (live.length === 0) {
    throw new KeywardenError('not_found', `person "${personId}" has no fingerprint enrolled`, {
      reason: 'no_credential',
    });
  }
  const optionsJSON = await generateAuthenticationOptions({
    rpID: context.rp.id,
    allowCredentials: live.map((row) => ({
      id: row.lookup as string,
      transports: parseData(row).transports,
    })),
    userVerification: 'required',
    timeout: CEREMONY_TIMEOUT_MS,
  });
  await storeChallenge(db, context, personId, 'authenticate', optionsJSON.challenge, options.sessionId);
  return optionsJSON;
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
  const parsed = authenticationResponseSchema.safeParse(response);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const assertion = parsed.data as AuthenticationResponseJSON;
  const clientData = readClientData(assertion.response.clientDataJSON);
  if (clientData?.type !== 'webauthn.get') return { ok: false, reason: 'malformed' };

  const claimed = await claimChallenge(
    trx,
    context,
    personId,
    'authenticate',
    clientData.challenge,
    options.sessionId,
  );
  if (claimed !== 'claimed') return { ok: false, reason: claimed };

  const rows = await trx
    .selectFrom('credentials')
    .selectAll()
    .where('kind', '=', 'fingerprint')
    .where('person_id', '=', personId)
    .execute();
  const live = rows.filter((row) => row.revoked_at === null);
  const row = live.find((candidate) => candidate.lookup === assertion.id);
  const credentialId = assertion.id;
  if (!row) {
    if (rows.some((candidate) => candidate.lookup === assertion.id)) {
      return { ok: false, reason: 'revoked_credential', credentialId };
    }
    return { ok: false, reason: live.length === 0 ? 'no_credential' : 'unknown_credential', credentialId };
  }
  const handle = assertion.response.userHandle;
  if (handle && handle !== isoBase64URL.fromBuffer(userHandleOf(personId))) {
    return { ok: false, reason: 'unknown_credential', credentialId };
  }
  if (!context.rp.origins.includes(clientData.origin)) {
    return { ok: false, reason: 'wrong_origin', credentialId };
  }

  const data = parseData(row);
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
    const verification = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: clientData.challenge,
      expectedOrigin: context.rp.origins,
      expectedRPID: context.rp.id,
      credential: { id: credentialId, publicKey, counter: stored, transports: data.transports },
      requireUserVerification: true,
    });
    if (!verification.verified) return { ok: false, reason: 'bad_signature', credentialId };
  } catch {
    return { ok: false, reason: 'invalid_response', credentialId };
  }

  // Compare-and-set: a concurrent use of the same credential, or a revocation, makes this write miss.
  const updated = await trx
    .updateTable('credentials')
    .set({ counter, last_used_at: context.now().toISOString() })
    .where('id', '=', row.id)
    .where('revoked_at', 'is', null)
    .where('counter', '=', stored)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return { ok: false, reason: 'counter_regressed', credentialId };
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
  const at = context.now().toISOString();
  let update = trx
    .updateTable('webauthn_challenges')
    .set({ used_at: at })
    .where('person_id', '=', personId)
    .where('purpose', '=', 'authenticate')
    .where('used_at', 'is', null)
    .where('expires_at', '>', at);
  update = options.sessionId
    ? update.where('session_id', '=', options.sessionId)
    : update.where('session_id', 'is', null);
  await update.execute();
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
  let query = db
    .selectFrom('credentials')
    .selectAll()
    .where('kind', '=', 'fingerprint')
    .where('person_id', '=', personId);
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => {
    const data = parseData(row);
    return {
      credentialId: row.lookup as string,
      label: data.label,
      transports: data.transports,
      aaguid: data.aaguid,
      deviceType: data.deviceType,
      backedUp: data.backedUp,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      revokedAt: row.revoked_at,
    };
  });
}

function liveFingerprintRows(db: Kysely<DB>, personId: string): Promise<CredentialRow[]> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('kind', '=', 'fingerprint')
    .where('person_id', '=', personId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
}

function parseData(row: CredentialRow): FingerprintData {
  const data = JSON.parse(row.data ?? '{}') as Partial<FingerprintData>;
  return {
    publicKey: data.publicKey ?? '',
    transports: data.transports ?? [],
    aaguid: data.aaguid ?? '',
    deviceType: data.deviceType ?? 'singleDevice',
    backedUp: data.backedUp ?? false,
    label: data.label ?? null,
  };
}

function readClientData(encoded: string): { type: string; challenge: string; origin: string } | null {
  try {
    const value = JSON.parse(isoBase64URL.toUTF8String(encoded)) as Record<string, unknown>;
    if (
      typeof value.type !== 'string' ||
      typeof value.challenge !== 'string' ||
      typeof value.origin !== 'string'
    ) {
      return null;
    }
    return { type: value.type, challenge: value.challenge, origin: value.origin };
  } catch {
    return null;
  }
}

async function storeChallenge(
  db: Kysely<DB>,
  context: WebauthnContext,
  personId: string,
  purpose: 'register' | 'authenticate',
  challenge: string,
  sessionId: string | undefined,
): Promise<void> {
  const now = context.now();
  await db
    .deleteFrom('webauthn_challenges')
    .where('person_id', '=', personId)
    .where('expires_at', '<', new Date(now.getTime() - CHALLENGE_RETENTION_MS).toISOString())
    .execute();
  await db
    .insertInto('webauthn_challenges')
    .values({
      id: newId(now.getTime()),
      person_id: personId,
      session_id: sessionId ?? null,
      purpose,
      challenge,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS).toISOString(),
      used_at: null,
    })
    .execute();
}

/** Marks the challenge answered (once, with a conditional write) or says why it cannot be. */
async function claimChallenge(
  trx: Transaction<DB>,
  context: WebauthnContext,
  personId: string,
  purpose: 'register' | 'authenticate',
  challenge: string,
  sessionId: string | undefined,
): Promise<'claimed' | 'unknown_challenge' | 'replayed_challenge' | 'challenge_expired'> {
  let query = trx
    .selectFrom('webauthn_challenges')
    .select(['id', 'expires_at', 'used_at'])
    .where('person_id', '=', personId)
    .where('purpose', '=', purpose)
    .where('challenge', '=', challenge);
  query = sessionId ? query.where('session_id', '=', sessionId) : query.where('session_id', 'is', null);
  const row = await query.executeTakeFirst();
  if (!row) return 'unknown_challenge';
  if (row.used_at !== null) return 'replayed_challenge';
  const at = context.now().toISOString();
  const updated = await trx
    .updateTable('webauthn_challenges')
    .set({ used_at: at })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return 'replayed_challenge';
  return row.expires_at <= at ? 'challenge_expired' : 'claimed';
}

function describe(reason: 'unknown_challenge' | 'replayed_challenge' | 'challenge_expired'): string {
  switch (reason) {
    case 'unknown_challenge':
      return 'the challenge was not issued for this enrolment';
    case 'replayed_challenge':
      return 'the challenge was answered before';
    case 'challenge_expired':
      return 'the challenge expired: start again';
  }
}
