/** Read-only checkouts: GET /api/v1/checkouts (newest first, filterable) and /api/v1/checkouts/{id}. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeywardenError } from '../domain/errors.js';
import { FACTOR_KINDS } from '../domain/policy/policy-file.js';
import { decodeCursor, linkNextPage, pageQuery } from '../http/pagination.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { toCheckout } from './checkouts.service.js';

export const checkoutSchema = z.object({
  id: z.string(),
  key: z.string(),
  person: z.string(),
  cabinet: z.string(),
  slot: z.number().int(),
  takenAt: timestamp,
  dueAt: timestamp.nullable(),
  reason: z.string().nullable(),
  note: z.string().nullable(),
  factors: z.array(z.enum(FACTOR_KINDS)),
  approver: z.string().nullable(),
  witness: z.string().nullable(),
  afterHours: z.boolean(),
  policyVersion: z.number().int(),
  rule: z.string(),
  status: z.enum(['open', 'returned']),
  returnedAt: timestamp.nullable(),
  returnedBy: z.string().nullable(),
  returnCabinet: z.string().nullable(),
  returnSlot: z.number().int().nullable(),
  late: z.boolean().nullable(),
  wrongSlot: z.boolean().nullable(),
});

const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');

export const checkoutsRoutes: FastifyPluginAsyncZod<{ store: Store }> = async (app, { store }) => {
  const db = store.db;
  app.get(
    '/api/v1/checkouts',
    {
      schema: {
        tags: ['checkouts'],
        summary: 'List checkouts, newest first',
        querystring: z.object({
          ...pageQuery,
          status: z.enum(['open', 'returned']).optional(),
          person: z.string().optional(),
          key: z.string().optional(),
          afterHours: booleanText.optional(),
          overdueAt: timestamp.optional().describe('only open checkouts due before this instant'),
          from: timestamp.optional().describe('taken at or after'),
          to: timestamp.optional().describe('taken before'),
        }),
        response: {
          200: z.object({ checkouts: z.array(checkoutSchema), next: z.string().nullable() }),
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const after = decodeCursor(q.cursor);
      let query = db
        .selectFrom('checkouts')
        .selectAll()
        .orderBy('taken_at', 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit + 1);
      if (after) {
        const [takenAt, id] = [String(after[0]), String(after[1])];
        query = query.where((eb) =>
          eb.or([eb('taken_at', '<', takenAt), eb.and([eb('taken_at', '=', takenAt), eb('id', '<', id)])]),
        );
      }
      if (q.status) query = query.where('status', '=', q.status);
      if (q.person) query = query.where('person_id', '=', q.person);
      if (q.key) query = query.where('key_id', '=', q.key);
      if (q.afterHours !== undefined) query = query.where('after_hours', '=', q.afterHours ? 1 : 0);
      if (q.overdueAt) query = query.where('status', '=', 'open').where('due_at', '<', q.overdueAt);
      if (q.from) query = query.where('taken_at', '>=', q.from);
      if (q.to) query = query.where('taken_at', '<', q.to);
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const next = linkNextPage(
        request,
        reply,
        rows.length > q.limit && last ? [last.taken_at, last.id] : null,
      );
      return { checkouts: page.map(toCheckout), next };
    },
  );

  app.get(
    '/api/v1/checkouts/:id',
    {
      schema: {
        tags: ['checkouts'],
        summary: 'One checkout',
        params: z.object({ id: z.string() }),
        response: { 200: z.object({ checkout: checkoutSchema }), 404: errorSchema },
      },
    },
    async (request) => {
      const row = await db
        .selectFrom('checkouts')
        .selectAll()
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (!row) throw new KeywardenError('not_found', `there is no checkout "${request.params.id}"`);
      return { checkout: toCheckout(row) };
    },
  );
};
