/**
 * The WebAuthn ceremonies that cabinet fingerprints (webauthn.service.ts) and console passkeys
 * (src/console/passkeys.service.ts) share, as steps each service composes with its own checks in between:
 * options with a stored challenge, reading and claiming a response, verifying and storing a registration,
 * finding the credential an assertion names, and moving its signature counter forward.
 *
 * A `WebauthnKind` says what differs between the two: the credential kind, the user-handle namespace
 * (an authenticator keeps one discoverable credential per rpID and user handle, so a passkey must not
 * share a fingerprint's handle), the challenge purposes, and the wording of enrolment refusals.
 * Challenges themselves are in webauthn-challenges.ts; the response schemas in webauthn-responses.ts.
 */
import { createHash } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorSelectionCriteria,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type VerifiedAuthenticationResponse,
  type VerifiedRegistrationResponse,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { COSEALG, isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Kysely, Transaction } from 'kysely';
import { KeywardenError } from '../domain/errors.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';
import { type CredentialRow, insertCredential } from './credentials.queries.js';
import {
  type ChallengePurpose,
  type ChallengeRefusal,
  describeChallengeRefusal,
  storeChallenge,
} from './webauthn-challenges.js';
import type { RelyingParty } from './webauthn-config.js';
import { ASSERTION, type ClientData, REGISTRATION, readAndClaim } from './webauthn-responses.js';

/** What the browser is told to wait for the authenticator; shorter than the challenge, so a slow one still counts. */
const CEREMONY_TIMEOUT_MS = 60_000;
const SUPPORTED_ALGORITHMS = [COSEALG.ES256, COSEALG.EdDSA, COSEALG.RS256];

/** What differs between the WebAuthn credential kinds; the rest of a ceremony is the same. */
export interface WebauthnKind {
  /** The credentials.kind of its rows. */
  kind: 'fingerprint' | 'passkey';
  /** The name of the user-handle namespace, hashed with the person id. */
  userHandleNamespace: string;
  /** The challenge purposes of an enrolment and of a check. */
  registerPurpose: ChallengePurpose;
  authenticatePurpose: ChallengePurpose;
  /**
   * Whether storing a challenge prunes the person's day-old challenges of every purpose (fingerprints) or
   * of its own purpose only (passkeys): each kept as it was written, as it only decides when old rows go.
   */
  pruneEveryPurpose: boolean;
  /** Enrolment refusal messages: a challenge not issued for this enrolment, a credential enrolled already. */
  unknownChallengeMessage: string;
  alreadyEnrolledMessage: string;
}

/** What a verified registration says about the new credential. */
type RegistrationInfo = NonNullable<VerifiedRegistrationResponse['registrationInfo']>;

export interface CeremonyContext {
  now: () => Date;
  rp: RelyingParty;
}

/** What a WebAuthn credential row keeps in `data` (JSON): never a secret, the public key only. */
export interface WebauthnCredentialData {
  publicKey: string;
  transports: string[];
  aaguid: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  label: string | null;
}

/** A WebAuthn credential as its holder and the console see it: never key material. */
export interface WebauthnCredentialView {
  /** The WebAuthn credential id, base64url. */
  credentialId: string;
  label: string | null;
  transports: string[];
  aaguid: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Why an assertion was refused before the kind's own signature checks. */
export type AssertionRefusal =
  /** The body is not a WebAuthn assertion. */
  | 'malformed'
  /**
   * unknown_challenge: not a challenge issued to this person (in this session), a forged or misrouted
   * response; replayed_challenge: answered before; challenge_expired.
   */
  | ChallengeRefusal
  /** The person has no credential of this kind (any more). */
  | 'no_credential'
  /** The credential is not one of this person's (unknown, or someone else's). */
  | 'unknown_credential'
  | 'revoked_credential'
  /** Signed for another origin or rpID. */
  | 'wrong_origin';

/** A person's WebAuthn user handle for this kind: stable, and hashed so the authenticator does not keep the id. */
export function userHandleFor(kind: WebauthnKind, personId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(
    createHash('sha256').update(`keywarden:${kind.userHandleNamespace}:${personId}`).digest(),
  );
}

/** A person's credentials of this kind, oldest first; revoked ones only when asked. */
export function credentialRowsOf(
  db: Kysely<DB>,
  kind: WebauthnKind,
  personId: string,
  options: { includeRevoked?: boolean } = {},
): Promise<CredentialRow[]> {
  let query = db
    .selectFrom('credentials')
    .selectAll()
    .where('kind', '=', kind.kind)
    .where('person_id', '=', personId);
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  return query.orderBy('created_at').orderBy('id').execute();
}

/** The stored data of a credential row, with defaults for anything missing. */
export function credentialDataOf(row: CredentialRow): WebauthnCredentialData {
  const data = JSON.parse(row.data ?? '{}') as Partial<WebauthnCredentialData>;
  return {
    publicKey: data.publicKey ?? '',
    transports: data.transports ?? [],
    aaguid: data.aaguid ?? '',
    deviceType: data.deviceType ?? 'singleDevice',
    backedUp: data.backedUp ?? false,
    label: data.label ?? null,
  };
}

/** What a holder may see of a credential row (each service adds its own fields). */
export function viewOf(row: CredentialRow): WebauthnCredentialView {
  const data = credentialDataOf(row);
  return {
    credentialId: row.lookup as string,
    label: data.label,
    transports: data.transports,
    aaguid: data.aaguid,
    deviceType: data.deviceType,
    backedUp: data.backedUp,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

/**
 * Registration options for `person`, excluding the credentials in `exclude`, with the kind's user handle;
 * the challenge is stored for the person (and `sessionId`, when given).
 */
export async function startRegistration(
  db: Kysely<DB>,
  context: CeremonyContext,
  kind: WebauthnKind,
  person: { id: string; name: string },
  input: {
    exclude: CredentialRow[];
    authenticatorSelection: AuthenticatorSelectionCriteria;
    sessionId: string | null | undefined;
  },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const optionsJSON = await generateRegistrationOptions({
    rpName: context.rp.name,
    rpID: context.rp.id,
    userName: person.id,
    userID: userHandleFor(kind, person.id),
    userDisplayName: person.name,
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: descriptorsOf(input.exclude),
    authenticatorSelection: input.authenticatorSelection,
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  const binding = { person: person.id, purpose: kind.registerPurpose, sessionId: input.sessionId };
  await storeChallenge(db, context, binding, optionsJSON.challenge, kind);
  return optionsJSON;
}

/**
 * Authentication options for `person` (user verification required) allowing the credentials in `allow`
 * (none: any discoverable one); the challenge is stored for the person (and `sessionId`, when given).
 */
export async function startAuthentication(
  db: Kysely<DB>,
  context: CeremonyContext,
  kind: WebauthnKind,
  person: string,
  input: { allow: CredentialRow[]; sessionId: string | null | undefined },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const optionsJSON = await generateAuthenticationOptions({
    rpID: context.rp.id,
    allowCredentials: descriptorsOf(input.allow),
    userVerification: 'required',
    timeout: CEREMONY_TIMEOUT_MS,
  });
  const binding = { person, purpose: kind.authenticatePurpose, sessionId: input.sessionId };
  await storeChallenge(db, context, binding, optionsJSON.challenge, kind);
  return optionsJSON;
}

/** Throws the enrolment refusal: invalid_request, `<kind> not enrolled: <message>`, `details.reason`. */
export function refuseEnrolment(kind: WebauthnKind, reason: string, message: string): never {
  throw new KeywardenError('invalid_request', `${kind.kind} not enrolled: ${message}`, { reason });
}

/**
 * Reads a registration response and claims its challenge (issued to the person for enrolment, in
 * `sessionId` when given), from an allowed origin; refuses the enrolment otherwise.
 */
export async function claimRegistration(
  trx: Transaction<DB>,
  context: CeremonyContext,
  kind: WebauthnKind,
  personId: string,
  response: unknown,
  sessionId: string | null | undefined,
): Promise<{ registration: RegistrationResponseJSON; clientData: ClientData }> {
  const binding = { person: personId, purpose: kind.registerPurpose, sessionId };
  const claimed = await readAndClaim<RegistrationResponseJSON>(trx, context, REGISTRATION, binding, response);
  if (!claimed.ok) {
    const message =
      claimed.reason === 'malformed'
        ? claimed.message
        : describeChallengeRefusal(claimed.reason, kind.unknownChallengeMessage);
    return refuseEnrolment(kind, claimed.reason, message);
  }
  const { value: registration, clientData } = claimed;
  if (!context.rp.origins.includes(clientData.origin)) {
    return refuseEnrolment(kind, 'wrong_origin', `origin ${clientData.origin} is not one of this server's`);
  }
  return { registration, clientData };
}

/**
 * The library's verification of a claimed registration (user presence and verification required); refuses
 * the enrolment when it does not verify, with the reason `reasonFor` gives the library's error message.
 */
export async function verifyRegistration(
  context: CeremonyContext,
  kind: WebauthnKind,
  claimed: { registration: RegistrationResponseJSON; clientData: ClientData },
  reasonFor: (message: string) => string = () => 'invalid_response',
): Promise<RegistrationInfo> {
  let verification: VerifiedRegistrationResponse;
  try {
    verification = await verifyRegistrationResponse({
      response: claimed.registration,
      expectedChallenge: claimed.clientData.challenge,
      expectedOrigin: context.rp.origins,
      expectedRPID: context.rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : 'the response does not verify';
    return refuseEnrolment(kind, reasonFor(message), message);
  }
  if (!verification.verified) {
    return refuseEnrolment(kind, 'invalid_response', 'the response does not verify');
  }
  return verification.registrationInfo;
}

/**
 * Stores a verified credential for the person (refused when the credential is enrolled already, to anyone)
 * and returns its row and data; the caller audits it.
 */
export async function storeCredential(
  trx: Transaction<DB>,
  context: Pick<CeremonyContext, 'now'>,
  kind: WebauthnKind,
  personId: string,
  info: RegistrationInfo,
  label: string | undefined,
): Promise<{ row: CredentialRow; data: WebauthnCredentialData }> {
  const existing = await trx
    .selectFrom('credentials')
    .select('id')
    .where('kind', '=', kind.kind)
    .where('lookup', '=', info.credential.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (existing) return refuseEnrolment(kind, 'already_enrolled', kind.alreadyEnrolledMessage);

  const at = context.now().toISOString();
  const data: WebauthnCredentialData = {
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    transports: info.credential.transports ?? [],
    aaguid: info.aaguid,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    label: label?.trim() || null,
  };
  const row: CredentialRow = {
    id: newId(context.now().getTime()),
    person_id: personId,
    kind: kind.kind,
    lookup: info.credential.id,
    secret: null,
    data: JSON.stringify(data),
    counter: info.credential.counter,
    created_at: at,
    last_used_at: null,
    revoked_at: null,
  };
  await insertCredential(trx, row);
  return { row, data };
}

/** An assertion whose challenge is claimed and whose credential is one of the person's live ones. */
export interface LocatedAssertion {
  ok: true;
  assertion: AuthenticationResponseJSON;
  clientData: ClientData;
  row: CredentialRow;
  data: WebauthnCredentialData;
}

/**
 * The first half of a check, never throwing: reads the assertion, claims its challenge (issued to the person
 * for a check, in `sessionId` when given; consumed whatever the outcome), finds the person's live credential
 * it names and checks the user handle and origin. Refusals after the claim carry the credential id named.
 * The kind's signature checks and recordCounter() follow.
 */
export async function locateAssertion(
  trx: Transaction<DB>,
  context: CeremonyContext,
  kind: WebauthnKind,
  personId: string,
  response: unknown,
  sessionId: string | null | undefined,
): Promise<LocatedAssertion | { ok: false; reason: AssertionRefusal; credentialId?: string }> {
  const binding = { person: personId, purpose: kind.authenticatePurpose, sessionId };
  const claimed = await readAndClaim<AuthenticationResponseJSON>(trx, context, ASSERTION, binding, response);
  if (!claimed.ok) return { ok: false, reason: claimed.reason };
  const { value: assertion, clientData } = claimed;

  const rows = await trx
    .selectFrom('credentials')
    .selectAll()
    .where('kind', '=', kind.kind)
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
  if (handle && handle !== isoBase64URL.fromBuffer(userHandleFor(kind, personId))) {
    return { ok: false, reason: 'unknown_credential', credentialId };
  }
  if (!context.rp.origins.includes(clientData.origin)) {
    return { ok: false, reason: 'wrong_origin', credentialId };
  }
  return { ok: true, assertion, clientData, row, data: credentialDataOf(row) };
}

/**
 * The library's verification of a located assertion (signature, origin, rpID, user verification required,
 * counter against `stored`); throws what the library throws, so each kind names the failure its own way.
 */
export function verifyAssertionSignature(
  context: CeremonyContext,
  located: LocatedAssertion,
  stored: number,
): Promise<VerifiedAuthenticationResponse> {
  const { assertion, clientData, row, data } = located;
  return verifyAuthenticationResponse({
    response: assertion,
    expectedChallenge: clientData.challenge,
    expectedOrigin: context.rp.origins,
    expectedRPID: context.rp.id,
    credential: {
      id: row.lookup as string,
      publicKey: isoBase64URL.toBuffer(data.publicKey),
      counter: stored,
      transports: data.transports as AuthenticatorTransportFuture[],
    },
    requireUserVerification: true,
  });
}

/**
 * Moves a credential's signature counter from `stored` to `counter` and marks it used, with a
 * compare-and-set: a concurrent use of the same credential, or its revocation, makes the write miss (false).
 */
export async function recordCounter(
  trx: Transaction<DB>,
  context: Pick<CeremonyContext, 'now'>,
  row: CredentialRow,
  stored: number,
  counter: number,
): Promise<boolean> {
  const updated = await trx
    .updateTable('credentials')
    .set({ counter, last_used_at: context.now().toISOString() })
    .where('id', '=', row.id)
    .where('revoked_at', 'is', null)
    .where('counter', '=', stored)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

type AuthenticatorTransportFuture = NonNullable<
  Parameters<typeof verifyAuthenticationResponse>[0]['credential']['transports']
>[number];

function descriptorsOf(rows: CredentialRow[]): { id: string; transports: string[] }[] {
  return rows.map((row) => ({ id: row.lookup as string, transports: credentialDataOf(row).transports }));
}
