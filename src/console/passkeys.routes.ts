/**
 * A console user's own passkeys: enrol one (options, then the authenticator's answer), list them, remove
 * one. Only for a person with a session: an API token is refused (console-auth.ts). Enrolment challenges are
 * bound to the session that asked, so a challenge leaked from one session cannot enrol a key in another.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type RelyingParty, relyingPartyFromEnv } from '../credentials/webauthn-config.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { authenticateConsole, type SignedInUser } from './console-auth.js';
import type { ConsoleContext } from './console-sessions.service.js';
import {
  finishPasskeyEnrolment,
  listPasskeys,
  type PasskeyContext,
  revokePasskey,
  startPasskeyEnrolment,
} from './passkeys.service.js';

/** The console's relying party: the one the server was given, else the environment's (as the terminals'). */
export function relyingPartyOf(context: ConsoleContext): RelyingParty {
  return context.rp ?? relyingPartyFromEnv();
}

const passkeySchema = z.object({
  id: z.string().describe('what DELETE /api/v1/console/passkeys/{id} takes'),
  credentialId: z.string().describe('the WebAuthn credential id, base64url'),
  label: z.string().nullable(),
  transports: z.array(z.string()),
  aaguid: z.string(),
  deviceType: z.enum(['singleDevice', 'multiDevice']),
  backedUp: z.boolean(),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable(),
});

const authErrors = { 401: errorSchema, 403: errorSchema };

/** The signed-in person and their session; the route's access line has already been checked. */
async function sessionUser(
  request: Parameters<typeof authenticateConsole>[0],
  deps: Parameters<typeof authenticateConsole>[1],
): Promise<SignedInUser & { sessionId: string }> {
  const user = await authenticateConsole(request, deps);
  // protect-read-routes refuses API tokens for console.passkeys; this keeps the type honest.
  if (user.sessionId === null) throw new Error('a passkey route ran without a console session');
  return user as SignedInUser & { sessionId: string };
}

export const passkeysRoutes: FastifyPluginAsyncZod<{ store: Store; context: PasskeyContext }> = async (
  app,
  { store, context },
) => {
  const deps = { store, now: context.now, audit: context.audit };

  app.get(
    '/api/v1/console/passkeys',
    {
      schema: {
        tags: ['console'],
        summary: 'Your passkeys (the console second factor)',
        response: { 200: z.object({ passkeys: z.array(passkeySchema) }), ...authErrors },
      },
    },
    async (request) => {
      const user = await sessionUser(request, deps);
      return { passkeys: await listPasskeys(store.db, user.person) };
    },
  );

  app.post(
    '/api/v1/console/passkeys/options',
    {
      schema: {
        tags: ['console'],
        summary: 'Start enrolling a passkey: WebAuthn registration options (needs x-csrf-token)',
        description:
          'User verification and a discoverable credential are required. Give the options to `startRegistration()` and what it returns to `POST /api/v1/console/passkeys` within two minutes, in this session.',
        body: z.object({}).optional(),
        response: {
          200: z.object({ options: z.record(z.string(), z.unknown()) }),
          400: errorSchema,
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const user = await sessionUser(request, deps);
      const options = await startPasskeyEnrolment(store.db, context, {
        person: user.person,
        sessionId: user.sessionId,
      });
      reply.header('cache-control', 'no-store');
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    '/api/v1/console/passkeys',
    {
      schema: {
        tags: ['console'],
        summary:
          'Finish enrolling a passkey with the authenticator’s registration response (needs x-csrf-token)',
        body: z.object({
          response: z
            .record(z.string(), z.unknown())
            .describe('what @simplewebauthn/browser startRegistration() returned'),
          label: z.string().max(100).optional().describe('a name to tell your passkeys apart'),
        }),
        response: { 201: z.object({ passkey: passkeySchema }), 400: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const user = await sessionUser(request, deps);
      const passkey = await store.db.transaction().execute((trx) =>
        finishPasskeyEnrolment(trx, context, {
          person: user.person,
          sessionId: user.sessionId,
          response: request.body.response,
          label: request.body.label,
        }),
      );
      return reply.status(201).send({ passkey });
    },
  );

  app.delete(
    '/api/v1/console/passkeys/:id',
    {
      schema: {
        tags: ['console'],
        summary: 'Remove one of your passkeys (needs x-csrf-token)',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 204: z.null(), 404: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const user = await sessionUser(request, deps);
      await store.db
        .transaction()
        .execute((trx) => revokePasskey(trx, context, { person: user.person, id: request.params.id }));
      return reply.status(204).send(null);
    },
  );
};
