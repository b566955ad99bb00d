/**
 * The console's in-app inbox: each signed-in person reads their own messages, marks them read, and keeps a
 * Server-Sent Events stream open that says "look again" the moment a message arrives (the sender publishes
 * `inbox:<person>` on the live bus after it commits). The stream carries hints, never message text: the
 * client re-reads GET /api/v1/inbox, which is where access is checked.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { SignedInUser } from '../console/console-auth.js';
import { KeywardenError } from '../domain/errors.js';
import { decodeCursor, linkNextPage, pageQuery } from '../http/pagination.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { LiveEvents } from '../live/live-events.js';
import type { Store } from '../store/database.js';
import { listInbox, markInboxRead } from './notification-messages.js';

export interface InboxRouteContext {
  audit: AuditLog;
  now: () => Date;
  live: LiveEvents;
  /** How long one stream stays open before the browser reconnects (and is authenticated again). */
  streamMaxMs?: number;
}

/** A comment line every 25 s keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 25_000;
/** A stream ends after 10 minutes; EventSource reconnects by itself, so a revoked session stops the hints. */
const DEFAULT_STREAM_MAX_MS = 10 * 60_000;

const inboxMessage = z.object({
  id: z.string(),
  event: z
    .string()
    .nullable()
    .describe('the event it announces: acknowledge it with POST /notifications/events/{event}/acknowledge'),
  eventType: z.string(),
  subject: z.string(),
  text: z.string(),
  createdAt: timestamp,
  readAt: timestamp.nullable(),
});

function userOf(request: FastifyRequest): SignedInUser {
  const user = request.consoleUser;
  if (!user) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  return user;
}

export const inboxRoutes: FastifyPluginAsyncZod<{ store: Store; context: InboxRouteContext }> = async (
  app,
  { store, context },
) => {
  const tags = ['inbox'];
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };
  // Open streams end when the server closes, or closing would wait for every browser to hang up.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...streams]) close();
  });

  app.get(
    '/api/v1/inbox',
    {
      schema: {
        tags,
        summary: 'My in-app messages, newest first, and how many are unread',
        querystring: z.object({
          unread: z
            .enum(['true', 'false'])
            .optional()
            .transform((text) => text === 'true')
            .describe('true: unread messages only'),
          ...pageQuery,
        }),
        response: {
          200: z.object({
            messages: z.array(inboxMessage),
            unread: z.number().int(),
            next: z.string().nullable(),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const person = userOf(request).person;
      const after = decodeCursor(request.query.cursor)?.[0];
      const page = await listInbox(store.db, person, {
        unreadOnly: request.query.unread,
        limit: request.query.limit,
        ...(typeof after === 'string' ? { after } : {}),
      });
      reply.header('cache-control', 'no-store');
      return { ...page, next: linkNextPage(request, reply, page.next ? [page.next] : null) };
    },
  );

  app.post(
    '/api/v1/inbox/:id/read',
    {
      schema: {
        tags,
        summary: 'Mark one of my messages read',
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: z.object({ readAt: timestamp }), 404: errorSchema, ...errors },
      },
    },
    async (request) => {
      const person = userOf(request).person;
      const result = await store.db
        .transaction()
        .execute((trx) => markInboxRead(trx, context, person, request.params.id));
      // Other open consoles of the same person update their unread count.
      context.live.publish(`inbox:${person}`, { read: request.params.id });
      return result;
    },
  );

  app.get(
    '/api/v1/inbox/events',
    {
      schema: {
        tags,
        summary:
          'Server-Sent Events: an `inbox` event each time my inbox changes (send Accept: text/event-stream)',
        description:
          'Each event is a hint, `data: {"message": id}` for a new message or `{"read": id}`: re-read GET /api/v1/inbox. The stream ends after 10 minutes; EventSource reconnects by itself.',
        response: { ...errors },
      },
    },
    async (request, reply) => {
      const person = userOf(request).person;
      if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
        throw new KeywardenError(
          'invalid_request',
          'this endpoint is a Server-Sent Events stream: send Accept: text/event-stream (EventSource does)',
        );
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 5000\n: connected\n\n');
      const unsubscribe = context.live.subscribe(`inbox:${person}`, (data) => {
        raw.write(`event: inbox\ndata: ${JSON.stringify(data)}\n\n`);
      });
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const end = setTimeout(() => raw.end(), context.streamMaxMs ?? DEFAULT_STREAM_MAX_MS);
      const stop = () => {
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(end);
        streams.delete(close);
      };
      const close = () => {
        stop();
        raw.end();
      };
      streams.add(close);
      raw.on('close', stop);
      request.raw.on('close', stop);
    },
  );
};
