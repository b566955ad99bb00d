/**
 * Enrolling and revoking a person's factors from the console (`credentials.manage`: admins and key
 * managers): PIN, badges, authenticator (TOTP), fingerprints, and ending a lockout. Each request runs in one
 * transaction with its audit entry, the console user as actor. Secrets (a random PIN, a TOTP seed) are
 * answered once with `cache-control: no-store` and never stored in the clear, audited or logged; a badge
 * number travels only in a request body, never in a URL (which a proxy or access log might keep).
 *
 * A person who holds a console role signs in to the console with their authenticator: replacing or
 * revoking it, or ending their lockout, could help someone take over their console account, so it needs an
 * administrator (`console-users.manage`), not a key manager.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { SignedInUser } from '../console/console-auth.js';
import {
  addBadge,
  type CredentialContext,
  enrolTotp,
  revokeBadge,
  revokeTotp,
  setPin,
} from '../credentials/credentials.service.js';
import { clearLockout } from '../credentials/factor-lockouts.js';
import {
  finishFingerprintEnrolment,
  registrationResponseSchema,
  revokeFingerprint,
  startFingerprintEnrolment,
} from '../credentials/webauthn.service.js';
import type { RelyingParty } from '../credentials/webauthn-config.js';
import { allows } from '../domain/console/console-roles.js';
import { badgeEnding } from '../domain/credentials/badge-number.js';
import { MAX_PIN_LENGTH } from '../domain/credentials/pin-rules.js';
import { KeywardenError } from '../domain/errors.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import type { DB } from '../store/schema.js';
import { findLiveCredential } from './people.queries.js';
import { lockoutSchema } from './people.routes.js';

/** What enrolment needs: the audit log, the clock, the secrets key (TOTP seeds) and the relying party. */
export type CredentialManagementContext = CredentialContext & { rp: RelyingParty };

const personParams = z.object({ id: z.string().min(1).max(100) });
const credentialParams = personParams.extend({ credential: z.string().min(1).max(100) });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

const pinBody = z
  .object({
    random: z.literal(true).optional().describe('a random six-digit PIN (the default)'),
    pin: z
      .string()
      .min(1)
      .max(MAX_PIN_LENGTH * 4)
      .optional()
      .describe('a chosen PIN: 6 to 12 digits, refused when easy to guess'),
  })
  .refine((body) => !(body.random && body.pin !== undefined), { message: 'give either random or pin' });

function signedInUser(request: FastifyRequest): SignedInUser {
  const user = request.consoleUser;
  if (!user) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  return user;
}

function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

/** A console user's authenticator and lockout are theirs to sign in with: only an admin may change them. */
async function assertMayTouchConsoleFactor(
  trx: Transaction<DB>,
  user: SignedInUser,
  person: string,
  what: string,
): Promise<void> {
  if (allows(user.roles, 'console-users.manage')) return;
  const consoleRole = await trx
    .selectFrom('console_roles')
    .select('role')
    .where('person_id', '=', person)
    .executeTakeFirst();
  if (consoleRole) {
    throw new KeywardenError(
      'forbidden',
      `${person} signs in to the console: only an administrator may change their ${what}`,
      { action: 'console-users.manage' },
    );
  }
}

export const personCredentialsRoutes: FastifyPluginAsyncZod<{
  store: Store;
  context: CredentialManagementContext;
}> = async (app, { store, context }) => {
  const db = store.db;
  const by = (request: FastifyRequest) => ({ by: signedInUser(request).person });

  app.post(
    '/api/v1/people/:id/pin',
    {
      schema: {
        tags: ['people'],
        summary: "Set a person's PIN: random by default (answered once), or chosen",
        description:
          'Replaces any earlier PIN. A random PIN is in the answer, once (`cache-control: no-store`); a chosen one is not echoed. Weak chosen PINs answer 422 pin_refused.',
        params: personParams,
        body: pinBody,
        response: {
          201: z.object({
            credential: z.string(),
            pin: z.string().optional().describe('the random PIN: show it once, it is stored only hashed'),
          }),
          ...errors,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const choice = request.body.pin !== undefined ? { pin: request.body.pin } : { random: true as const };
      const result = await db
        .transaction()
        .execute((trx) => setPin(trx, context, request.params.id, choice, by(request)));
      noStore(reply);
      return reply
        .status(201)
        .send({ credential: result.credentialId, ...('random' in choice ? { pin: result.pin } : {}) });
    },
  );

  app.post(
    '/api/v1/people/:id/badges',
    {
      schema: {
        tags: ['people'],
        summary: 'Give a person a badge (card number; a badge belongs to one person at a time)',
        params: personParams,
        body: z.object({ number: z.string().min(1).max(100) }),
        response: {
          201: z.object({ credential: z.string(), badgeEnding: z.string() }),
          ...errors,
          409: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await db
        .transaction()
        .execute((trx) => addBadge(trx, context, request.params.id, request.body.number, by(request)));
      return reply
        .status(201)
        .send({ credential: result.credentialId, badgeEnding: badgeEnding(result.number) });
    },
  );

  app.delete(
    '/api/v1/people/:id/badges/:credential',
    {
      schema: {
        tags: ['people'],
        summary: "Revoke one of a person's badges by its credential id (a lost or returned card)",
        params: credentialParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { id, credential } = request.params;
      await db.transaction().execute(async (trx) => {
        const badge = await findLiveCredential(trx, id, 'badge', credential);
        if (!badge?.lookup) {
          throw new KeywardenError('credential_not_found', `${id} holds no live badge ${credential}`);
        }
        await revokeBadge(trx, context, id, badge.lookup, by(request));
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/people/:id/totp',
    {
      schema: {
        tags: ['people'],
        summary: "Enrol a person's authenticator app: answers the otpauth URI and base32 secret once",
        description:
          'Refused with 409 totp_already_enrolled unless `replace` is true. The answer is not stored anywhere (`cache-control: no-store`); show it as a QR code and forget it.',
        params: personParams,
        body: z.object({ replace: z.boolean().optional() }),
        response: {
          201: z.object({
            credential: z.string(),
            uri: z.string().describe('otpauth://totp/... for a QR code'),
            secret: z.string().describe('base32, for typing into the app'),
            algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']),
            digits: z.number().int(),
            stepSeconds: z.number().int(),
          }),
          ...errors,
          409: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const user = signedInUser(request);
      const result = await db.transaction().execute(async (trx) => {
        await assertMayTouchConsoleFactor(trx, user, request.params.id, 'authenticator');
        return enrolTotp(trx, context, request.params.id, {
          by: user.person,
          replace: request.body.replace === true,
        });
      });
      noStore(reply);
      return reply.status(201).send({
        credential: result.credentialId,
        uri: result.uri,
        secret: result.secret,
        ...result.settings,
      });
    },
  );

  app.delete(
    '/api/v1/people/:id/totp',
    {
      schema: {
        tags: ['people'],
        summary: "Revoke a person's authenticator (a lost phone)",
        params: personParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const user = signedInUser(request);
      await db.transaction().execute(async (trx) => {
        await assertMayTouchConsoleFactor(trx, user, request.params.id, 'authenticator');
        await revokeTotp(trx, context, request.params.id, { by: user.person });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/people/:id/fingerprint-enrolment-options',
    {
      schema: {
        tags: ['people'],
        summary: "WebAuthn registration options to enrol the person's fingerprint at the console's reader",
        description:
          "Pass `options` to the browser's navigator.credentials.create() (or @simplewebauthn/browser's startRegistration) while the person places their finger, then POST the response to .../fingerprints within two minutes. The console's origin must be one of KEYWARDEN_ORIGINS.",
        params: personParams,
        body: z.object({}).optional(),
        response: { 200: z.object({ options: z.record(z.string(), z.unknown()) }), ...errors },
      },
    },
    async (request, reply) => {
      const options = await db
        .transaction()
        .execute((trx) => startFingerprintEnrolment(trx, context, request.params.id));
      noStore(reply);
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    '/api/v1/people/:id/fingerprints',
    {
      schema: {
        tags: ['people'],
        summary: 'Enrol the fingerprint just registered (the WebAuthn registration response)',
        params: personParams,
        body: z.object({ registration: registrationResponseSchema, label: z.string().max(100).optional() }),
        response: {
          201: z.object({
            fingerprint: z.object({
              credentialId: z.string(),
              label: z.string().nullable(),
              createdAt: timestamp,
            }),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const user = signedInUser(request);
      const enrolled = await db.transaction().execute((trx) =>
        finishFingerprintEnrolment(trx, context, request.params.id, request.body.registration, {
          label: request.body.label ?? 'console',
          actor: user.person,
        }),
      );
      return reply.status(201).send({
        fingerprint: {
          credentialId: enrolled.credentialId,
          label: enrolled.label,
          createdAt: enrolled.createdAt,
        },
      });
    },
  );

  app.delete(
    '/api/v1/people/:id/fingerprints/:credential',
    {
      schema: {
        tags: ['people'],
        summary: "Revoke one of a person's fingerprints by its credential id",
        params: credentialParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { id, credential } = request.params;
      await db.transaction().execute(async (trx) => {
        const fingerprint = await findLiveCredential(trx, id, 'fingerprint', credential);
        if (!fingerprint?.lookup) {
          throw new KeywardenError('credential_not_found', `${id} holds no live fingerprint ${credential}`);
        }
        await revokeFingerprint(trx, context, id, fingerprint.lookup, {
          actor: signedInUser(request).person,
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/people/:id/unlock',
    {
      schema: {
        tags: ['people'],
        summary: "End a person's lockout: they may try again at once, and the doubling starts over",
        params: personParams,
        body: z.object({}).optional(),
        response: { 200: z.object({ before: lockoutSchema, after: lockoutSchema }), ...errors },
      },
    },
    async (request) => {
      const user = signedInUser(request);
      const { before, after } = await db.transaction().execute(async (trx) => {
        await assertMayTouchConsoleFactor(trx, user, request.params.id, 'lockout');
        return clearLockout(trx, context, request.params.id, { by: user.person });
      });
      return { before, after };
    },
  );
};
