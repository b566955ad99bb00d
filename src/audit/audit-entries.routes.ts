/** Read-only audit log: GET /api/v1/audit-entries (newest first, filterable) and /api/v1/audit-entries/{seq}. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeywardenError } from '../domain/errors.js';
import { decodeCursor, linkNextPage, pageQuery } from '../http/pagination.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import type { AuditEntryRow } from '../store/schema.js';

const entrySchema = z.object({
  seq: z.number().int(),
  at: timestamp,
  type: z.string(),
  actor: z.string().nullable(),
  person: z.string().nullable(),
  key: z.string().nullable(),
  cabinet: z.string().nullable(),
  policyVersion: z.number().int().nullable(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

function toEntry(row: AuditEntryRow): z.infer<typeof entrySchema> {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    actor: row.actor_id,
    person: row.person_id,
    key: row.key_id,
    cabinet: row.cabinet_id,
    policyVersion: row.policy_version,
    data: JSON.parse(row.data) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export const auditEntriesRoutes: FastifyPluginAsyncZod<{ store: Store }> = async (app, { store }) => {
  const db = store.db;
  app.get(
    '/api/v1/audit-entries',
    {
      schema: {
        tags: ['audit'],
        summary: 'List audit entries, newest first',
        querystring: z.object({
          ...pageQuery,
          type: z.string().optional().describe('entry type, e.g. checkout, return, checkout.denied'),
          person: z.string().optional(),
          key: z.string().optional(),
          cabinet: z.string().optional(),
          from: timestamp.optional(),
          to: timestamp.optional(),
        }),
        response: {
          200: z.object({ entries: z.array(entrySchema), next: z.string().nullable() }),
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const after = decodeCursor(q.cursor);
      let query = db
        .selectFrom('audit_entries')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(q.limit + 1);
      if (after) query = query.where('seq', '<', Number(after[0]));
      if (q.type) query = query.where('type', '=', q.type);
      if (q.person) query = query.where('person_id', '=', q.person);
      if (q.key) query = query.where('key_id', '=', q.key);
      if (q.cabinet) query = query.where('cabinet_id', '=', q.cabinet);
      if (q.from) query = query.where('at', '>=', q.from);
      if (q.to) query = query.where('at', '<', q.to);
      const rows = await query.execute();
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const next = linkNextPage(request, reply, rows.length > q.limit && last ? [last.seq] : null);
      return { entries: page.map(toEntry), next };
    },
  );

  app.get(
    '/api/v1/audit-entries/:seq',
    {
      schema: {
        tags: ['audit'],
        summary: 'One audit entry',
        params: z.object({ seq: z.coerce.number().int().min(1) }),
        response: { 200: z.object({ entry: entrySchema }), 404: errorSchema },
      },
    },
    async (request) => {
      const row = await db
        .selectFrom('audit_entries')
        .selectAll()
        .where('seq', '=', request.params.seq)
        .executeTakeFirst();
      if (!row) throw new KeywardenError('not_found', `there is no audit entry ${request.params.seq}`);
      return { entry: toEntry(row) };
    },
  );
};
