/**
 * Cabinets in the console: GET /api/v1/cabinets and /api/v1/cabinets/{cabinet} for every console role
 * (`cabinets.read`), and the terminal tokens (`cabinet-tokens.manage`, admins only, since a token is the
 * cabinet to the server): POST issues one, answered once, and DELETE revokes them all. The terminal's own
 * routes under /api/v1/cabinets/{cabinet}/... (sessions, returns) stay cabinet-token only: they live in
 * src/terminal/terminal.routes.ts, behind its own bearer check.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeywardenError } from '../domain/errors.js';
import { decodeCursor, linkNextPage, pageQuery } from '../http/pagination.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import {
  type CabinetTokenContext,
  issueCabinetToken,
  revokeCabinetTokens,
} from './cabinet-tokens.service.js';
import { findCabinetDetail, listCabinets } from './cabinets.queries.js';

const KEY_STATUSES = ['in', 'out', 'missing', 'retired'] as const;
const keyInSlot = z.object({ id: z.string(), label: z.string(), status: z.enum(KEY_STATUSES) });

const cabinetSchema = z.object({
  id: z.string(),
  name: z.string(),
  site: z.string(),
  slots: z.number().int(),
  keys: z
    .object({ in: z.number().int(), out: z.number().int(), missing: z.number().int() })
    .describe('keys whose home is this cabinet, by status'),
  tokens: z.number().int().describe('live terminal tokens'),
  lastSeenAt: timestamp
    .nullable()
    .describe("the terminal's last authenticated request (to the minute), if known"),
  online: z
    .boolean()
    .describe('connected over the cabinet protocol and heard from (docs/cabinet-protocol.md)'),
  offlineSince: timestamp.nullable().describe('when the current outage began, if the cabinet is offline'),
  door: z
    .enum(['open', 'closed'])
    .nullable()
    .describe('as the cabinet last reported it; null before any report'),
  doorSince: timestamp.nullable(),
});

const cabinetDetailSchema = cabinetSchema.extend({
  slotList: z.array(
    z.object({
      number: z.number().int(),
      key: keyInSlot.nullable().describe('the key in the slot now, as the cabinet last reported it'),
      home: keyInSlot.nullable().describe('the key whose home is this slot'),
      reported: z
        .object({ fob: z.string().nullable().describe('the fob tag, null: empty') })
        .nullable()
        .describe('what the cabinet itself last reported in this slot; null when it never did'),
    }),
  ),
});

const cabinetParams = z.object({ cabinet: z.string().min(1).max(100) });
const errors = { 401: errorSchema, 403: errorSchema, 404: errorSchema };

function actorOf(request: FastifyRequest): string {
  const user = request.consoleUser;
  if (!user) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  return user.person;
}

export const cabinetsRoutes: FastifyPluginAsyncZod<{ store: Store }> = async (app, { store }) => {
  const db = store.db;

  app.get(
    '/api/v1/cabinets',
    {
      schema: {
        tags: ['cabinets'],
        summary: 'List cabinets: site, slots, keys in and out, live tokens, last seen',
        querystring: z.object({ ...pageQuery, site: z.string().max(100).optional() }),
        response: {
          200: z.object({ cabinets: z.array(cabinetSchema), next: z.string().nullable() }),
          400: errorSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { limit, cursor, site } = request.query;
      const after = decodeCursor(cursor);
      const rows = await listCabinets(db, {
        limit,
        ...(after ? { after: String(after[0]) } : {}),
        ...(site !== undefined ? { site } : {}),
      });
      const page = rows.slice(0, limit);
      const next = linkNextPage(
        request,
        reply,
        rows.length > limit ? [page[page.length - 1]?.id ?? ''] : null,
      );
      return { cabinets: page, next };
    },
  );

  app.get(
    '/api/v1/cabinets/:cabinet',
    {
      schema: {
        tags: ['cabinets'],
        summary: 'One cabinet with every slot and the key in it',
        params: cabinetParams,
        response: { 200: z.object({ cabinet: cabinetDetailSchema }), ...errors },
      },
    },
    async (request) => {
      const cabinet = await findCabinetDetail(db, request.params.cabinet);
      if (!cabinet)
        throw new KeywardenError('unknown_cabinet', `unknown cabinet "${request.params.cabinet}"`);
      return { cabinet };
    },
  );
};

/** Issuing and revoking terminal tokens: needs the audit log, so registered with the management context. */
export const cabinetTokensRoutes: FastifyPluginAsyncZod<{
  store: Store;
  context: CabinetTokenContext;
}> = async (app, { store, context }) => {
  const db = store.db;

  app.post(
    '/api/v1/cabinets/:cabinet/tokens',
    {
      schema: {
        tags: ['cabinets'],
        summary: "Issue a token for the cabinet's terminal: answered once, stored only as its SHA-256",
        description:
          'Earlier tokens stay valid (revoke them with DELETE). The answer is not cached (`cache-control: no-store`).',
        params: cabinetParams,
        body: z.object({}).optional(),
        response: { 201: z.object({ id: z.string(), token: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const by = actorOf(request);
      const issued = await db
        .transaction()
        .execute((trx) => issueCabinetToken(trx, context, { cabinet: request.params.cabinet, by }));
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(issued);
    },
  );

  app.delete(
    '/api/v1/cabinets/:cabinet/tokens',
    {
      schema: {
        tags: ['cabinets'],
        summary: 'Revoke every token of the cabinet: its terminal is signed out at once',
        params: cabinetParams,
        response: { 200: z.object({ revoked: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const by = actorOf(request);
      const revoked = await db.transaction().execute(async (trx) => {
        const cabinet = await trx
          .selectFrom('cabinets')
          .select('id')
          .where('id', '=', request.params.cabinet)
          .executeTakeFirst();
        if (!cabinet)
          throw new KeywardenError('unknown_cabinet', `unknown cabinet "${request.params.cabinet}"`);
        return revokeCabinetTokens(trx, context, { cabinet: cabinet.id, by });
      });
      return { revoked };
    },
  );
};
