/**
 * What a browser sends back from a WebAuthn ceremony (the JSON of @simplewebauthn/browser's
 * startRegistration() and startAuthentication()): the request schemas, reading the client data, and
 * claiming the challenge a response answers. Shared by cabinet fingerprints and console passkeys.
 */
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../store/schema.js';
import { type ChallengeBinding, type ChallengeRefusal, claimChallenge } from './webauthn-challenges.js';

/** The fields of clientDataJSON that are checked: the ceremony type, the challenge answered, the page's origin. */
export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
}

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

/** How each direction's response is read: its body schema, its clientData type, and its name in refusals. */
export const REGISTRATION = {
  schema: registrationResponseSchema,
  clientDataType: 'webauthn.create',
  noun: 'registration',
} as const;
export const ASSERTION = {
  schema: authenticationResponseSchema,
  clientDataType: 'webauthn.get',
  noun: 'assertion',
} as const;

/**
 * Reads a response (its body, then its client data) and claims the challenge it answers: the value and
 * client data, or the first thing wrong (`malformed`, with what, or why the challenge cannot be claimed).
 */
export async function readAndClaim<T extends { response: { clientDataJSON: string } }>(
  trx: Transaction<DB>,
  context: { now: () => Date },
  direction: typeof REGISTRATION | typeof ASSERTION,
  binding: ChallengeBinding,
  response: unknown,
): Promise<
  | { ok: true; value: T; clientData: ClientData }
  | { ok: false; reason: 'malformed'; message: string }
  | { ok: false; reason: ChallengeRefusal }
> {
  const parsed = direction.schema.safeParse(response);
  if (!parsed.success) {
    return {
      ok: false,
      reason: 'malformed',
      message: `the body is not a WebAuthn ${direction.noun} response`,
    };
  }
  const value = parsed.data as unknown as T;
  const clientData = readClientData(value.response.clientDataJSON);
  if (clientData?.type !== direction.clientDataType) {
    return { ok: false, reason: 'malformed', message: `clientDataJSON is not a ${direction.noun}` };
  }
  const claimed = await claimChallenge(trx, context, binding, clientData.challenge);
  if (claimed !== 'claimed') return { ok: false, reason: claimed };
  return { ok: true, value, clientData };
}

function readClientData(encoded: string): ClientData | null {
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
