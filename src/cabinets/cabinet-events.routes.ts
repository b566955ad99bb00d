/**
 * GET /api/v1/cabinets/{cabinet}/events: one cabinet's live state as Server-Sent Events, for the console's
 * slot map (`cabinets.read`, every console role):
 *
 *   event: cabinet      the cabinet as GET /api/v1/cabinets/{cabinet} answers it, at once and on each change
 *   data: {"cabinet":{...}}
 *
 * The stream is woken two ways, because a hint can be lost and a change can be made where no hint is
 * published (the CLI, another server process): a `cabinet:<id>` hint on the live bus (the terminal's
 * checkouts and returns and the cabinet protocol's slot and door reports publish one after they commit), and
 * a re-read every few seconds. Each wake re-reads the database and sends the cabinet only when it differs
 * from what was sent last. The stream ends after 10 minutes; EventSource reconnects by itself (and is
 * authenticated again, so a revoked session stops the stream).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeywardenError } from '../domain/errors.js';
import { closeStreamsOnShutdown, openHintedEventStream } from '../http/hinted-event-stream.js';
import { errorSchema } from '../http/schemas.js';
import type { LiveEvents } from '../live/live-events.js';
import type { Store } from '../store/database.js';
import { findCabinetDetail } from './cabinets.queries.js';

export const cabinetTopic = (cabinet: string): string => `cabinet:${cabinet}`;

export interface CabinetEventsRouteOptions {
  store: Store;
  /** The live bus; without it the stream still follows changes by re-reading. */
  live?: LiveEvents;
  recheckMs?: number;
  streamMaxMs?: number;
}

/** Re-reads catch what no hint announced (the CLI, another process, a cabinet going offline by timeout). */
const DEFAULT_RECHECK_MS = 5_000;
const DEFAULT_STREAM_MAX_MS = 10 * 60_000;

export const cabinetEventsRoutes: FastifyPluginAsyncZod<CabinetEventsRouteOptions> = async (app, options) => {
  const db = options.store.db;
  const streams = closeStreamsOnShutdown(app);

  app.get(
    '/api/v1/cabinets/:cabinet/events',
    {
      schema: {
        tags: ['cabinets'],
        summary:
          'Server-Sent Events: the cabinet (slots, keys, door, online) at once and on each change (send Accept: text/event-stream)',
        description:
          'Each `cabinet` event carries `{"cabinet": ...}` as GET /api/v1/cabinets/{cabinet} answers it. The stream ends after 10 minutes; EventSource reconnects by itself.',
        params: z.object({ cabinet: z.string().min(1).max(100) }),
        response: { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const id = request.params.cabinet;
      if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
        throw new KeywardenError(
          'invalid_request',
          'this endpoint is a Server-Sent Events stream: send Accept: text/event-stream (EventSource does)',
        );
      }
      const initial = await findCabinetDetail(db, id);
      if (!initial) throw new KeywardenError('unknown_cabinet', `unknown cabinet "${id}"`);

      let last = JSON.stringify({ cabinet: initial });
      openHintedEventStream(reply, {
        streams,
        live: options.live,
        topic: cabinetTopic(id),
        recheckMs: options.recheckMs ?? DEFAULT_RECHECK_MS,
        maxMs: options.streamMaxMs ?? DEFAULT_STREAM_MAX_MS,
        opening: `retry: 5000\nevent: cabinet\ndata: ${last}\n\n`,
        // Sent only when it differs from what was sent last.
        read: async () => {
          const text = JSON.stringify({ cabinet: (await findCabinetDetail(db, id)) ?? null });
          if (text === last) return '';
          last = text;
          return `event: cabinet\ndata: ${text}\n\n`;
        },
        onReadError: (error) =>
          request.log.warn({ err: error, cabinet: id }, 'cabinet stream: re-read failed'),
      });
    },
  );
};
