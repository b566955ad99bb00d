/** GET /api/v1/health: is the server up, which database, which policy version is active, where the audit chain stands. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../store/database.js';

export const healthRoutes: FastifyPluginAsyncZod<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/api/v1/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness and a few facts',
        response: {
          200: z.object({
            status: z.literal('ok'),
            database: z.enum(['sqlite', 'postgres']),
            activePolicyVersion: z.number().int().nullable(),
            auditHead: z.object({ seq: z.number().int(), hash: z.string() }),
          }),
          503: z.object({ status: z.literal('unavailable'), error: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        const [active, head] = await Promise.all([
          store.db
            .selectFrom('policy_versions')
            .select('version')
            .where('status', '=', 'active')
            .executeTakeFirst(),
          store.db
            .selectFrom('audit_head')
            .select(['seq', 'hash'])
            .where('id', '=', 1)
            .executeTakeFirstOrThrow(),
        ]);
        return {
          status: 'ok' as const,
          database: store.dialect,
          activePolicyVersion: active?.version ?? null,
          auditHead: head,
        };
      } catch {
        return reply
          .status(503)
          .send({ status: 'unavailable' as const, error: 'the database does not answer' });
      }
    },
  );
};
