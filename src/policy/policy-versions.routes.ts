/** Read-only policy versions: list, one version, and its written procedure (HTML or Markdown). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { renderProcedure } from '../domain/procedure/render-procedure.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { getPolicyVersion, listPolicyVersions } from './policy-versions.service.js';

const versionSchema = z.object({
  version: z.number().int(),
  name: z.string(),
  status: z.enum(['draft', 'active', 'superseded', 'rejected']),
  sha256: z.string(),
  createdBy: z.string(),
  createdAt: timestamp,
  approvedBy: z.string().nullable(),
  approvedAt: timestamp.nullable(),
});

export const policyVersionsRoutes: FastifyPluginAsyncZod<{ store: Store; now: () => Date }> = async (
  app,
  { store, now },
) => {
  app.get(
    '/api/v1/policy-versions',
    {
      schema: {
        tags: ['policy'],
        summary: 'Every policy version, newest first',
        response: { 200: z.object({ versions: z.array(versionSchema) }) },
      },
    },
    async () => ({ versions: await listPolicyVersions(store.db) }),
  );

  app.get(
    '/api/v1/policy-versions/:version',
    {
      schema: {
        tags: ['policy'],
        summary: 'One policy version with its source text',
        params: z.object({ version: z.coerce.number().int().min(1) }),
        response: { 200: z.object({ version: versionSchema, source: z.string() }), 404: errorSchema },
      },
    },
    async (request) => {
      const { summary, source } = await getPolicyVersion(store.db, request.params.version);
      return { version: summary, source };
    },
  );

  app.get(
    '/api/v1/policy-versions/:version/procedure',
    {
      schema: {
        tags: ['policy'],
        summary: 'The written after-hours procedure of a version (text/html or text/markdown)',
        params: z.object({ version: z.coerce.number().int().min(1) }),
        querystring: z.object({
          format: z.enum(['html', 'md']).default('html'),
          year: z.coerce.number().int().min(1970).max(2200).optional(),
        }),
        response: { 200: z.string(), 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { policy } = await getPolicyVersion(store.db, request.params.version);
      const { format, year } = request.query;
      reply.type(format === 'html' ? 'text/html; charset=utf-8' : 'text/markdown; charset=utf-8');
      return renderProcedure(policy, { format, year: year ?? now().getUTCFullYear() });
    },
  );
};
