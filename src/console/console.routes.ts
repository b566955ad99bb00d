/**
 * The console's own API: sign in (password + authenticator code or passkey) to get the session cookie and a
 * CSRF token, see who you are, sign out; a person's passkeys (passkeys.routes.ts) and API tokens
 * (api-tokens.routes.ts) are registered from here. Access to every route is declared in
 * protect-read-routes.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONSOLE_ROLES } from '../domain/console/console-roles.js';
import { MAX_PASSWORD_LENGTH } from '../domain/console/password-rules.js';
import { KeywardenError } from '../domain/errors.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { apiTokensRoutes } from './api-tokens.routes.js';
import { authenticateConsole, clearedSessionCookie, sessionCookie } from './console-auth.js';
import {
  CONSOLE_SIGN_IN_FAILED,
  type ConsoleContext,
  type ConsoleUser,
  signIn,
  signOut,
} from './console-sessions.service.js';
import { passkeysRoutes, relyingPartyOf } from './passkeys.routes.js';
import { startPasskeySignIn } from './passkeys.service.js';

const userSchema = z.object({
  person: z.string(),
  name: z.string(),
  roles: z.array(z.enum(CONSOLE_ROLES)),
  team: z.array(z.string()).describe('the people this person supervises, down the chain'),
});

function publicUser(user: ConsoleUser): z.infer<typeof userSchema> {
  return { person: user.person, name: user.name, roles: user.roles, team: user.team };
}

export const consoleRoutes: FastifyPluginAsyncZod<{ store: Store; context: ConsoleContext }> = async (
  app,
  { store, context },
) => {
  const deps = { store, now: context.now, audit: context.audit };
  const rp = relyingPartyOf(context);
  await app.register(passkeysRoutes, { store, context: { audit: context.audit, now: context.now, rp } });
  await app.register(apiTokensRoutes, { store, context });

  app.post(
    '/api/v1/console/sessions/passkey-options',
    {
      schema: {
        tags: ['console'],
        summary: 'A WebAuthn challenge for signing in with a passkey (step 1 of a passkey sign-in)',
        description:
          'Answers alike for every person id, known or not, with or without passkeys: the challenge lists no credentials (passkeys are discoverable). Give what `startAuthentication()` returns to `POST /api/v1/console/sessions` as `passkey`, with the password, within two minutes.',
        body: z.object({ person: z.string().min(1).max(100) }),
        response: {
          200: z.object({ options: z.record(z.string(), z.unknown()) }),
          400: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const options = await startPasskeySignIn(store.db, { ...context, rp }, request.body.person);
      reply.header('cache-control', 'no-store');
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    '/api/v1/console/sessions',
    {
      schema: {
        tags: ['console'],
        summary: 'Sign in to the console: password and a second factor (authenticator code or passkey)',
        description:
          'Send `totp` (an authenticator code) or `passkey` (what `startAuthentication()` returned for the challenge of `POST /api/v1/console/sessions/passkey-options`), not both. Answers 201 with the `kw_session` cookie (HttpOnly, SameSite=Strict, Secure) and a CSRF token to send in `x-csrf-token` on every POST, PUT, PATCH and DELETE. Every failure answers 401 authentication_failed alike.',
        body: z
          .object({
            person: z.string().min(1).max(100),
            password: z
              .string()
              .min(1)
              .max(MAX_PASSWORD_LENGTH * 4),
            totp: z.string().min(1).max(16).optional(),
            passkey: z
              .record(z.string(), z.unknown())
              .optional()
              .describe(
                'the WebAuthn assertion, as @simplewebauthn/browser startAuthentication() returns it',
              ),
          })
          .refine((body) => (body.totp === undefined) !== (body.passkey === undefined), {
            message: 'send either totp (an authenticator code) or passkey (a WebAuthn assertion)',
          }),
        response: {
          201: z.object({ csrfToken: z.string(), user: userSchema, expiresAt: timestamp }),
          400: errorSchema,
          401: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { person, password, totp, passkey } = request.body;
      const input = totp !== undefined ? { person, password, totp } : { person, password, passkey };
      const result = await store.db.transaction().execute((trx) => signIn(trx, { ...context, rp }, input));
      // The failure count and the audit entries are committed above; only then is the answer given.
      if (!result.ok) throw new KeywardenError('authentication_failed', CONSOLE_SIGN_IN_FAILED);
      const maxAge = (Date.parse(result.session.expiresAt) - context.now().getTime()) / 1000;
      reply.header('set-cookie', sessionCookie(request, result.token, maxAge));
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({
        csrfToken: result.csrfToken,
        user: publicUser(result.user),
        expiresAt: result.session.expiresAt,
      });
    },
  );

  app.delete(
    '/api/v1/console/sessions/current',
    {
      schema: {
        tags: ['console'],
        summary: 'Sign out: end this session (needs x-csrf-token)',
        response: { 204: z.null(), 401: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      const user = await authenticateConsole(request, deps);
      const sessionId = user.sessionId;
      if (sessionId === null) throw new KeywardenError('forbidden', 'an API token has no session to end');
      await store.db
        .transaction()
        .execute((trx) => signOut(trx, context, { id: sessionId, person: user.person }));
      reply.header('set-cookie', clearedSessionCookie(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/console/me',
    {
      schema: {
        tags: ['console'],
        summary: 'The signed-in console user: roles and team',
        response: { 200: z.object({ user: userSchema }), 401: errorSchema },
      },
    },
    async (request) => ({ user: publicUser(await authenticateConsole(request, deps)) }),
  );
};
