/**
 * API tokens from the console (admins, with a session: a token cannot mint or revoke tokens). The token is
 * in the creation answer only, sent with `Cache-Control: no-store`; lists never hold it or its hash.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { createApiToken, listApiTokens, revokeApiToken, TOKEN_ROLES } from './api-tokens.service.js';
import { authenticateConsole } from './console-auth.js';
import type { ConsoleContext } from './console-sessions.service.js';

const apiTokenSchema = z.object({
  id: z.string(),
  prefix: z.string().describe('the first characters of the token, to recognise it'),
  name: z.string(),
  roles: z.array(z.string()),
  createdBy: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp.nullable(),
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  revokedBy: z.string().nullable(),
});

const authErrors = { 401: errorSchema, 403: errorSchema };

export const apiTokensRoutes: FastifyPluginAsyncZod<{ store: Store; context: ConsoleContext }> = async (
  app,
  { store, context },
) => {
  const deps = { store, now: context.now, audit: context.audit };

  app.get(
    '/api/v1/console/api-tokens',
    {
      schema: {
        tags: ['console'],
        summary: 'API tokens for integrations (admins): never the token itself',
        querystring: z.object({
          includeRevoked: z.enum(['true', 'false']).optional().describe('also list revoked tokens'),
        }),
        response: { 200: z.object({ apiTokens: z.array(apiTokenSchema) }), 400: errorSchema, ...authErrors },
      },
    },
    async (request) => ({
      apiTokens: await listApiTokens(store.db, { includeRevoked: request.query.includeRevoked === 'true' }),
    }),
  );

  app.post(
    '/api/v1/console/api-tokens',
    {
      schema: {
        tags: ['console'],
        summary: 'Create an API token (admins; needs x-csrf-token): the token is answered once',
        description: `Roles: any of ${TOKEN_ROLES.join(', ')} (not supervisor: a token has no team). Send it as \`Authorization: Bearer kwt_...\`; it needs no CSRF header and never opens the terminal API.`,
        body: z.object({
          name: z.string().trim().min(1).max(100),
          roles: z.array(z.string().max(32)).min(1).max(8),
          expiresAt: z.iso.datetime({ offset: true }).optional().describe('ISO 8601; none: until revoked'),
        }),
        response: {
          201: z.object({ token: z.string().describe('shown once: store it now'), apiToken: apiTokenSchema }),
          400: errorSchema,
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const user = await authenticateConsole(request, deps);
      const created = await store.db
        .transaction()
        .execute((trx) => createApiToken(trx, context, { ...request.body, by: user.person }));
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/api/v1/console/api-tokens/:id',
    {
      schema: {
        tags: ['console'],
        summary: 'Revoke an API token (admins; needs x-csrf-token): it stops working at once',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: z.object({ apiToken: apiTokenSchema }), 404: errorSchema, ...authErrors },
      },
    },
    async (request) => {
      const user = await authenticateConsole(request, deps);
      const apiToken = await store.db
        .transaction()
        .execute((trx) => revokeApiToken(trx, context, { id: request.params.id, by: user.person }));
      return { apiToken };
    },
  );
};
