/**
 * GET /api/v1/cabinets/{cabinet}/slots: what a cabinet holds, read with the cabinet's own token, so that a
 * simulated cabinet (the simulator page, web/src/features/cabinet-simulator) can start with the fobs the real
 * one would have: per slot the fob in it, the key that fob belongs to, and a release still open for it; and
 * every key whose home is this cabinet (labels for fobs in someone's hand).
 *
 * Where the fob is comes from the cabinet's own last report (docs/cabinet-protocol.md) when it ever reported
 * that slot, else from the records (the key in the slot, or a key released from it and not yet taken): the
 * records empty a slot at checkout, but the fob stays there until the cabinet reports it removed. A key the
 * records have back in a slot the report shows empty, whose fob the report places nowhere else (returned
 * through the terminal API, or by the demo's reset at start), is shown in its recorded slot.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cabinetOfToken } from '../cabinets/cabinet-tokens.service.js';
import { KeywardenError } from '../domain/errors.js';
import { errorSchema } from '../http/schemas.js';
import type { Store } from '../store/database.js';

const keySchema = z.object({
  id: z.string(),
  label: z.string(),
  tag: z.string().describe("the fob's tag as the cabinet reads it (the key's tag id, else its id)"),
  status: z.enum(['in', 'out', 'missing', 'retired']),
});

const slotsSchema = z.object({
  cabinet: z.string(),
  serverTime: z.string().describe("the server's clock now, to turn a release's until into time left"),
  slots: z.array(
    z.object({
      slot: z.number().int(),
      fob: z.string().nullable().describe('the fob tag in the slot; null: empty'),
      release: z
        .object({ checkout: z.string(), until: z.string() })
        .nullable()
        .describe('a release still waiting for its fob to be taken (server time)'),
    }),
  ),
  keys: z.array(keySchema).describe('every key whose home is this cabinet (retired ones left out)'),
});

export const cabinetSlotsRoutes: FastifyPluginAsyncZod<{ store: Store; now: () => Date }> = async (
  app,
  { store, now },
) => {
  app.get(
    '/api/v1/cabinets/:cabinet/slots',
    {
      schema: {
        tags: ['terminal'],
        summary: "The cabinet's slots with the fob in each and any open release (for a simulated cabinet)",
        security: [{ cabinetToken: [] }],
        params: z.object({ cabinet: z.string().max(100) }),
        response: { 200: slotsSchema, 401: errorSchema },
      },
    },
    async (request) => {
      const header = request.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
      const cabinet = token ? await cabinetOfToken(store.db, token, now()) : null;
      if (!cabinet || cabinet !== request.params.cabinet) {
        throw new KeywardenError(
          'cabinet_unauthorized',
          `this request needs the token of cabinet "${request.params.cabinet}" (Authorization: Bearer ...)`,
        );
      }
      const [row, slots, keys, releases] = await Promise.all([
        store.db
          .selectFrom('cabinets')
          .select(['slot_count', 'reported_slots'])
          .where('id', '=', cabinet)
          .executeTakeFirstOrThrow(),
        store.db.selectFrom('slots').select(['number', 'key_id']).where('cabinet_id', '=', cabinet).execute(),
        store.db
          .selectFrom('keys')
          .select(['id', 'label', 'tag_id', 'status'])
          .where('cabinet_id', '=', cabinet)
          .where('status', '!=', 'retired')
          .orderBy('id')
          .execute(),
        store.db
          .selectFrom('cabinet_releases')
          .select(['checkout_id', 'slot', 'key_id', 'until'])
          .where('cabinet_id', '=', cabinet)
          .where('status', '=', 'pending')
          .execute(),
      ]);
      // Keys of other cabinets can sit here too (returned to the wrong cabinet is refused, but be safe).
      const tagOf = new Map(keys.map((key) => [key.id, key.tag_id ?? key.id]));
      const recorded = new Map(slots.map((slot) => [slot.number, slot.key_id]));
      const releaseOf = new Map(releases.map((release) => [release.slot, release]));
      const reported = row.reported_slots
        ? (JSON.parse(row.reported_slots) as Record<string, string | null>)
        : {};
      const statusOf = new Map(keys.map((key) => [key.id, key.status]));
      const reportedFobs = new Set(Object.values(reported).filter((fob) => fob !== null));
      const list = [];
      for (let number = 1; number <= row.slot_count; number++) {
        const release = releaseOf.get(number);
        const recordedKey = recorded.get(number) ?? release?.key_id ?? null;
        const recordedFob = recordedKey === null ? null : (tagOf.get(recordedKey) ?? recordedKey);
        const fromReport = reported[String(number)];
        // The report wins (it is what the cabinet saw), except for a key the records put back in since
        // (a return through the terminal API, the demo's reset) whose fob the report places nowhere.
        const putBackSince =
          fromReport === null &&
          recordedKey !== null &&
          statusOf.get(recordedKey) === 'in' &&
          recordedFob !== null &&
          !reportedFobs.has(recordedFob);
        const fob = fromReport === undefined || putBackSince ? recordedFob : fromReport;
        list.push({
          slot: number,
          fob,
          release: release ? { checkout: release.checkout_id, until: release.until } : null,
        });
      }
      return {
        cabinet,
        serverTime: now().toISOString(),
        slots: list,
        keys: keys.map((key) => ({
          id: key.id,
          label: key.label,
          tag: key.tag_id ?? key.id,
          status: key.status,
        })),
      };
    },
  );
};
