/** Read-only key inventory: GET /api/v1/keys and /api/v1/keys/{id}. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeywardenError } from '../domain/errors.js';
import { decodeCursor, linkNextPage, pageQuery } from '../http/pagination.js';
import { errorSchema } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import type { KeyRow } from '../store/schema.js';

const keySchema = z.object({
  id: z.string(),
  label: z.string(),
  group: z.string(),
  cabinet: z.string().describe('home cabinet'),
  slot: z.number().int().describe('home slot'),
  sensitivity: z.enum(['normal', 'restricted', 'critical']),
  status: z.enum(['in', 'out', 'missing', 'retired']),
  currentCheckout: z.string().nullable(),
});

function toKey(row: KeyRow & { group_sensitivity: string }): z.infer<typeof keySchema> {
  return {
    id: row.id,
    label: row.label,
    group: row.group_id,
    cabinet: row.cabinet_id,
    slot: row.slot,
    sensitivity: (row.sensitivity ?? row.group_sensitivity) as z.infer<typeof keySchema>['sensitivity'],
    status: row.status,
    currentCheckout: row.current_checkout_id,
  };
}

export const keysRoutes: FastifyPluginAsyncZod<{ store: Store }> = async (app, { store }) => {
  const db = store.db;
  const baseQuery = () =>
    db
      .selectFrom('keys')
      .innerJoin('key_groups', 'key_groups.id', 'keys.group_id')
      .selectAll('keys')
      .select('key_groups.sensitivity as group_sensitivity');

  app.get(
    '/api/v1/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'List keys',
        querystring: z.object({
          ...pageQuery,
          cabinet: z.string().optional(),
          group: z.string().optional(),
          status: z.enum(['in', 'out', 'missing', 'retired']).optional(),
        }),
        response: {
          200: z.object({ keys: z.array(keySchema), next: z.string().nullable() }),
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { limit, cursor, cabinet, group, status } = request.query;
      const after = decodeCursor(cursor);
      let query = baseQuery()
        .orderBy('keys.id')
        .limit(limit + 1);
      if (after) query = query.where('keys.id', '>', String(after[0]));
      if (cabinet) query = query.where('keys.cabinet_id', '=', cabinet);
      if (group) query = query.where('keys.group_id', '=', group);
      if (status) query = query.where('keys.status', '=', status);
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      const next = linkNextPage(
        request,
        reply,
        rows.length > limit ? [page[page.length - 1]?.id ?? ''] : null,
      );
      return { keys: page.map(toKey), next };
    },
  );

  app.get(
    '/api/v1/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'One key',
        params: z.object({ id: z.string() }),
        response: { 200: z.object({ key: keySchema }), 404: errorSchema },
      },
    },
    async (request) => {
      const row = await baseQuery().where('keys.id', '=', request.params.id).executeTakeFirst();
      if (!row) throw new KeywardenError('not_found', `there is no key "${request.params.id}"`);
      return { key: toKey(row) };
    },
  );
};
