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
import { COSEALG, isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import {
  authenticationResponseSchema,
  CHALLENGE_TTL_MS,
  registrationResponseSchema,
} from '../credentials/webauthn.service.js';
import type { RelyingParty } from '../credentials/webauthn-config.js';
import { KeywardenError } from '../domain/errors.js';
import { newId } from '../store/ids.js';
import type { CredentialTable, DB } from '../store/schema.js';

export interface PasskeyContext {
  audit: AuditLog;
  now: () => Date;
  rp: RelyingParty;
}

/** What the browser is told to wait; shorter than the challenge's life. */
const CEREMONY_TIMEOUT_MS = 60_000;
/** Answered or expired challenges are kept a day (to tell a replay from a forgery), then pruned. */
const CHALLENGE_RETENTION_MS = 24 * 60 * 60_000;
const SUPPORTED_ALGORITHMS = [COSEALG.ES256, COSEALG.EdDSA, COSEALG.RS256];
const MAX_PASSKEYS = 10;

/** A passkey as its owner sees it: never key material. */
export interface Passkey {
  /** The credential row's id: what DELETE /api/v1/console/passkeys/:id takes. */
  id: string;
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

export type PasskeyFailureReason =
  | 'malformed'
  | 'unknown_challenge'
  | 'replayed_challenge'
  | 'challenge_expired'
  | 'no_credential'
  | 'unknown_credential'
  | 'revoked_credential'
  | 'wrong_origin'
  | 'not_verified'
  | 'invalid_response'
  | 'counter_regressed';

export type PasskeyCheckResult =
  | { ok: true; credentialId: string }
  | { ok: false; reason: PasskeyFailureReason };

interface PasskeyData {
  publicKey: string;
  transports: string[];
  aaguid: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  label: string | null;
}

type CredentialRow = Selectable<CredentialTable>;

/** The passkeys' WebAuthn user handle of a person: stable, hashed, and not the fingerprints' handle. */
export function passkeyUserHandleOf(personId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(`keywarden:console-passkey-user:${personId}`).digest());
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
  const live = await livePasskeyRows(db, person.id);
  if (live.length >= MAX_PASSKEYS) {
    throw new KeywardenError('invalid_request', `at most ${MAX_PASSKEYS} passkeys: remove one first`);
  }
  const options = await generateRegistrationOptions({
    rpName: context.rp.name,
    rpID: context.rp.id,
    userName: person.id,
    userID: passkeyUserHandleOf(person.id),
    userDisplayName: person.name,
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: live.map((row) => ({ id: row.lookup as string, transports: dataOf(row).transports })),
    authenticatorSelection: {
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'required',
    },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
  await storeChallenge(db, context, person.id, input.sessionId, 'passkey-register', options.challenge);
  return options;
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
  const fail = (reason: string, message: string): never => {
    throw new KeywardenError('invalid_request', `passkey not enrolled: ${message}`, { reason });
  };
  const parsed = registrationResponseSchema.safeParse(input.response);
  if (!parsed.success) return fail('malformed', 'the body is not a WebAuthn registration response');
  const registration = parsed.data as RegistrationResponseJSON;
  const clientData = readClientData(registration.response.clientDataJSON);
  if (clientData?.type !== 'webauthn.create')
    return fail('malformed', 'clientDataJSON is not a registration');
  const claimed = await claimChallenge(
    trx,
    context,
    input.person,
    input.sessionId,
    'passkey-register',
    clientData.challenge,
  );
  if (claimed !== 'claimed') return fail(claimed, describeChallenge(claimed));
  if (!context.rp.origins.includes(clientData.origin)) {
    return fail('wrong_origin', `origin ${clientData.origin} is not one of this server's`);
  }
  const credProps = registration.clientExtensionResults?.credProps as { rk?: boolean } | undefined;
  if (credProps?.rk === false) {
    return fail('not_discoverable', 'the authenticator did not keep a discoverable credential (a passkey)');
  }

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
    const message = error instanceof Error ? error.message : 'the response does not verify';
    return fail(/user verification/i.test(message) ? 'not_verified' : 'invalid_response', message);
  }
  if (!verification.verified) return fail('invalid_response', 'the response does not verify');
  const info = verification.registrationInfo;

  const existing = await trx
    .selectFrom('credentials')
    .select('id')
    .where('kind', '=', 'passkey')
    .where('lookup', '=', info.credential.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (existing) return fail('already_enrolled', 'this passkey is already enrolled');

  const at = context.now().toISOString();
  const id = newId(context.now().getTime());
  const data: PasskeyData = {
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    transports: info.credential.transports ?? [],
    aaguid: info.aaguid,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    label: input.label?.trim() || null,
  };
  await trx
    .insertInto('credentials')
    .values({
      id,
      person_id: input.person,
      kind: 'passkey',
      lookup: info.credential.id,
      secret: null,
      data: JSON.stringify(data),
      counter: info.credential.counter,
      created_at: at,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  await context.audit.append(trx, {
    type: 'credential.passkey-enrolled',
    at,
    actor: input.person,
    person: input.person,
    data: {
      credential: id,
      credentialId: info.credential.id,
      label: data.label,
      aaguid: data.aaguid,
      deviceType: data.deviceType,
      backedUp: data.backedUp,
    },
  });
  return toPasskey({ ...rowShape(id, input.person, info.credential.id, at), data: JSON.stringify(data) });
}

/** A person's live passkeys, oldest first. */
export async function listPasskeys(db: Kysely<DB>, person: string): Promise<Passkey[]> {
  return (await livePasskeyRows(db, person)).map(toPasskey);
}

/** Removes one of the person's own live passkeys (audited); not_found when there is no such passkey. */
export async function revokePasskey(
  trx: Transaction<DB>,
  context: Pick<PasskeyContext, 'audit' | 'now'>,
  input: { person: string; id: string; by?: string },
): Promise<void> {
  const at = context.now().toISOString();
  const row = await trx
    .selectFrom('credentials')
    .select(['id', 'lookup'])
    .where('id', '=', input.id)
    .where('person_id', '=', input.person)
    .where('kind', '=', 'passkey')
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new KeywardenError('not_found', `you have no passkey "${input.id}"`);
  await trx.updateTable('credentials').set({ revoked_at: at }).where('id', '=', row.id).execute();
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
  const options = await generateAuthenticationOptions({
    rpID: context.rp.id,
    allowCredentials: [],
    userVerification: 'required',
    timeout: CEREMONY_TIMEOUT_MS,
  });
  await storeChallenge(db, context, person, null, 'passkey-sign-in', options.challenge);
  return options;
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
  const parsed = authenticationResponseSchema.safeParse(response);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const assertion = parsed.data as AuthenticationResponseJSON;
  const clientData = readClientData(assertion.response.clientDataJSON);
  if (clientData?.type !== 'webauthn.get') return { ok: false, reason: 'malformed' };
  const claimed = await claimChallenge(trx, context, person, null, 'passkey-sign-in', clientData.challenge);
  if (claimed !== 'claimed') return { ok: false, reason: claimed };

  const rows = await trx
    .selectFrom('credentials')
    .selectAll()
    .where('kind', '=', 'passkey')
    .where('person_id', '=', person)
    .execute();
  const live = rows.filter((row) => row.revoked_at === null);
  const row = live.find((candidate) => candidate.lookup === assertion.id);
  if (!row) {
    if (rows.some((candidate) => candidate.lookup === assertion.id)) {
      return { ok: false, reason: 'revoked_credential' };
    }
    return { ok: false, reason: live.length === 0 ? 'no_credential' : 'unknown_credential' };
  }
  const handle = assertion.response.userHandle;
  if (handle && handle !== isoBase64URL.fromBuffer(passkeyUserHandleOf(person))) {
    return { ok: false, reason: 'unknown_credential' };
  }
  if (!context.rp.origins.includes(clientData.origin)) return { ok: false, reason: 'wrong_origin' };
  try {
    const flags = parseAuthenticatorData(isoBase64URL.toBuffer(assertion.response.authenticatorData)).flags;
    if (!flags.up || !flags.uv) return { ok: false, reason: 'not_verified' };
  } catch {
    return { ok: false, reason: 'malformed' };
  }

  const data = dataOf(row);
  const stored = row.counter ?? 0;
  let counter: number;
  try {
    const verification = await verifyAuthenticationResponse({
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
    if (!verification.verified) return { ok: false, reason: 'invalid_response' };
    counter = verification.authenticationInfo.newCounter;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    return { ok: false, reason: /counter/i.test(message) ? 'counter_regressed' : 'invalid_response' };
  }
  // Compare-and-set: a concurrent use of the same passkey, or its removal, makes this write miss.
  const updated = await trx
    .updateTable('credentials')
    .set({ counter, last_used_at: context.now().toISOString() })
    .where('id', '=', row.id)
    .where('revoked_at', 'is', null)
    .where('counter', '=', stored)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return { ok: false, reason: 'counter_regressed' };
  return { ok: true, credentialId: row.id };
}

type AuthenticatorTransportFuture = NonNullable<
  Parameters<typeof verifyAuthenticationResponse>[0]['credential']['transports']
>[number];

function livePasskeyRows(db: Kysely<DB>, person: string): Promise<CredentialRow[]> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('kind', '=', 'passkey')
    .where('person_id', '=', person)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

function rowShape(id: string, person: string, credentialId: string, at: string): CredentialRow {
  return {
    id,
    person_id: person,
    kind: 'passkey',
    lookup: credentialId,
    secret: null,
    data: null,
    counter: 0,
    created_at: at,
    last_used_at: null,
    revoked_at: null,
  };
}

function toPasskey(row: CredentialRow): Passkey {
  const data = dataOf(row);
  return {
    id: row.id,
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

function dataOf(row: CredentialRow): PasskeyData {
  const data = JSON.parse(row.data ?? '{}') as Partial<PasskeyData>;
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

type Purpose = 'passkey-register' | 'passkey-sign-in';

async function storeChallenge(
  db: Kysely<DB>,
  context: Pick<PasskeyContext, 'now'>,
  person: string,
  sessionId: string | null,
  purpose: Purpose,
  challenge: string,
): Promise<void> {
  const now = context.now();
  await db
    .deleteFrom('webauthn_challenges')
    .where('person_id', '=', person)
    .where('purpose', '=', purpose)
    .where('expires_at', '<', new Date(now.getTime() - CHALLENGE_RETENTION_MS).toISOString())
    .execute();
  await db
    .insertInto('webauthn_challenges')
    .values({
      id: newId(now.getTime()),
      person_id: person,
      session_id: sessionId,
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
  context: Pick<PasskeyContext, 'now'>,
  person: string,
  sessionId: string | null,
  purpose: Purpose,
  challenge: string,
): Promise<'claimed' | 'unknown_challenge' | 'replayed_challenge' | 'challenge_expired'> {
  let query = trx
    .selectFrom('webauthn_challenges')
    .select(['id', 'expires_at', 'used_at'])
    .where('person_id', '=', person)
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

function describeChallenge(reason: 'unknown_challenge' | 'replayed_challenge' | 'challenge_expired'): string {
  switch (reason) {
    case 'unknown_challenge':
      return 'the challenge was not issued to this session';
    case 'replayed_challenge':
      return 'the challenge was answered before';
    case 'challenge_expired':
      return 'the challenge expired: start again';
  }
}
