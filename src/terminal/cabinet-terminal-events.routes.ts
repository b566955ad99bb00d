/**
 * GET /api/v1/cabinets/{cabinet}/terminal-events: what the kiosk confirms to the person at the cabinet, as
 * Server-Sent Events read with the cabinet's own token (the console's /events stream needs a console
 * sign-in):
 *
 *   event: return       a key was put back at this cabinet: key, slot, when, late (and by how long), wrong slot
 *   event: undone       a checkout was undone because its slot was not opened in time: key, slot
 *
 * Only what happens after the stream opens is sent. A `cabinet:<id>` hint on the live bus wakes the stream,
 * and a re-read every few seconds catches what no hint announced; either way the facts are read from the
 * database (the hint's payload is never trusted). A comment line every 25 s keeps proxies from closing an
 * idle stream; the stream ends when the client leaves, the server closes or after 10 minutes (reconnect).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { cabinetTopic } from '../cabinets/cabinet-events.routes.js';
import { cabinetOfToken } from '../cabinets/cabinet-tokens.service.js';
import { KeywardenError } from '../domain/errors.js';
import { closeStreamsOnShutdown, openHintedEventStream } from '../http/hinted-event-stream.js';
import { errorSchema } from '../http/schemas.js';
import type { LiveEvents } from '../live/live-events.js';
import type { Store } from '../store/database.js';
import type { DB } from '../store/schema.js';

export interface CabinetTerminalEventsOptions {
  store: Store;
  now: () => Date;
  live?: LiveEvents;
  recheckMs?: number;
  streamMaxMs?: number;
}

const DEFAULT_RECHECK_MS = 5_000;
const DEFAULT_STREAM_MAX_MS = 10 * 60_000;

/** One event the kiosk shows. */
export type TerminalEvent =
  | {
      kind: 'return';
      checkout: string;
      key: { id: string; label: string };
      slot: number;
      homeSlot: number;
      returnedAt: string;
      late: boolean;
      /** Minutes past the due time, when late. */
      lateByMinutes: number | null;
      wrongSlot: boolean;
    }
  | { kind: 'undone'; checkout: string; key: { id: string; label: string }; slot: number; at: string };

/**
 * The returns and undone checkouts at `cabinet` with returned_at at or after `since`, oldest first. A checkout
 * closed by a timed-out release (no one returned it; its release row says timed-out) is an `undone`.
 */
export async function readTerminalEvents(
  db: Kysely<DB>,
  cabinet: string,
  since: string,
): Promise<TerminalEvent[]> {
  const rows = await db
    .selectFrom('checkouts')
    .innerJoin('keys', 'keys.id', 'checkouts.key_id')
    .leftJoin('cabinet_releases', 'cabinet_releases.checkout_id', 'checkouts.id')
    .select([
      'checkouts.id as id',
      'checkouts.slot as taken_slot',
      'checkouts.due_at as due_at',
      'checkouts.returned_at as returned_at',
      'checkouts.returned_by as returned_by',
      'checkouts.return_slot as return_slot',
      'checkouts.late as late',
      'checkouts.wrong_slot as wrong_slot',
      'keys.id as key_id',
      'keys.label as key_label',
      'keys.slot as home_slot',
      'cabinet_releases.status as release_status',
    ])
    .where('checkouts.status', '=', 'returned')
    .where('checkouts.return_cabinet_id', '=', cabinet)
    .where('checkouts.returned_at', '>=', since)
    .orderBy('checkouts.returned_at')
    .orderBy('checkouts.id')
    .execute();
  return rows.map((row): TerminalEvent => {
    const key = { id: row.key_id, label: row.key_label };
    const at = row.returned_at ?? since;
    if (row.release_status === 'timed-out' && row.returned_by === null) {
      return { kind: 'undone', checkout: row.id, key, slot: row.return_slot ?? row.taken_slot, at };
    }
    const late = Number(row.late) === 1;
    const lateByMinutes =
      late && row.due_at ? Math.max(0, Math.floor((Date.parse(at) - Date.parse(row.due_at)) / 60_000)) : null;
    return {
      kind: 'return',
      checkout: row.id,
      key,
      slot: row.return_slot ?? row.home_slot,
      homeSlot: row.home_slot,
      returnedAt: at,
      late,
      lateByMinutes,
      wrongSlot: Number(row.wrong_slot) === 1,
    };
  });
}

export const cabinetTerminalEventsRoutes: FastifyPluginAsyncZod<CabinetTerminalEventsOptions> = async (
  app,
  options,
) => {
  const db = options.store.db;
  const streams = closeStreamsOnShutdown(app);

  app.get(
    '/api/v1/cabinets/:cabinet/terminal-events',
    {
      schema: {
        tags: ['terminal'],
        summary:
          'Server-Sent Events for the kiosk: each return at this cabinet (late, wrong slot) and each checkout undone by a release timeout',
        description:
          'Send Accept: text/event-stream and the cabinet token. `event: return` carries `{"checkout","key":{"id","label"},"slot","homeSlot","returnedAt","late","lateByMinutes","wrongSlot"}`; `event: undone` carries `{"checkout","key","slot","at"}`. Only events after the stream opens are sent; it ends after 10 minutes (reconnect).',
        security: [{ cabinetToken: [] }],
        params: z.object({ cabinet: z.string().min(1).max(100) }),
        response: { 400: errorSchema, 401: errorSchema },
      },
    },
    async (request, reply) => {
      const header = request.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
      const cabinet = token ? await cabinetOfToken(db, token, options.now()) : null;
      if (!cabinet || cabinet !== request.params.cabinet) {
        throw new KeywardenError(
          'cabinet_unauthorized',
          `this request needs the token of cabinet "${request.params.cabinet}" (Authorization: Bearer ...)`,
        );
      }
      if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
        throw new KeywardenError(
          'invalid_request',
          'this endpoint is a Server-Sent Events stream: send Accept: text/event-stream',
        );
      }
      // Read from the moment the stream opens; ids already sent are remembered so a re-read sends nothing twice.
      let since = options.now().toISOString();
      const sent = new Set<string>();
      // Returns in the very millisecond the stream opens came before it: they are not news to this kiosk.
      for (const earlier of await readTerminalEvents(db, cabinet, since)) sent.add(earlier.checkout);

      openHintedEventStream(reply, {
        streams,
        live: options.live,
        topic: cabinetTopic(cabinet),
        recheckMs: options.recheckMs ?? DEFAULT_RECHECK_MS,
        maxMs: options.streamMaxMs ?? DEFAULT_STREAM_MAX_MS,
        opening: 'retry: 5000\n: open\n\n',
        read: async () => {
          let text = '';
          for (const event of await readTerminalEvents(db, cabinet, since)) {
            if (sent.has(event.checkout)) continue;
            sent.add(event.checkout);
            const { kind, ...data } = event;
            text += `event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`;
            const at = kind === 'return' ? event.returnedAt : event.at;
            if (at > since) since = at;
          }
          return text;
        },
        onReadError: (error) =>
          request.log.warn({ err: error, cabinet }, 'terminal event stream: re-read failed'),
      });
    },
  );
};
