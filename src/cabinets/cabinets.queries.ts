/**
 * Reading cabinets for the console: each with its site, slots, the keys it is home to (in, out, missing),
 * live token count and when its terminal was last seen; one cabinet with the key in each slot. Row types
 * stay here.
 */
import type { Kysely } from 'kysely';
import type { DB, KeyStatus } from '../store/schema.js';

export interface CabinetSummary {
  id: string;
  name: string;
  site: string;
  slots: number;
  /** Keys whose home is this cabinet, by status (retired keys are left out). */
  keys: { in: number; out: number; missing: number };
  /** Live (not revoked) terminal tokens. */
  tokens: number;
  /**
   * The later of what the cabinet last reported and its terminal's last authenticated request (recorded at
   * most once a minute); null when neither is known.
   */
  lastSeenAt: string | null;
  /** Connected over the cabinet protocol and heard from recently (docs/cabinet-protocol.md). */
  online: boolean;
  /** When the current outage began (cabinet-offline announced); null while online or never connected. */
  offlineSince: string | null;
  /** The door as the cabinet last reported it, and since when; null before any report. */
  door: 'open' | 'closed' | null;
  doorSince: string | null;
}

export interface SlotView {
  number: number;
  /** The key in the slot now, as the cabinet last reported it. */
  key: { id: string; label: string; status: KeyStatus } | null;
  /** The key whose home is this slot, when there is one. */
  home: { id: string; label: string; status: KeyStatus } | null;
  /** What the cabinet itself last reported in this slot (the fob tag, null: empty); null when it never did. */
  reported: { fob: string | null } | null;
}

export interface CabinetDetail extends CabinetSummary {
  slotList: SlotView[];
}

function latest(...times: (string | null | undefined)[]): string | null {
  const known = times.filter((time): time is string => typeof time === 'string');
  return known.length === 0 ? null : (known.sort().at(-1) ?? null);
}

function baseQuery(db: Kysely<DB>) {
  return db
    .selectFrom('cabinets')
    .select([
      'cabinets.id',
      'cabinets.name',
      'cabinets.site_id',
      'cabinets.slot_count',
      'cabinets.last_seen_at',
      'cabinets.online',
      'cabinets.offline_since',
      'cabinets.door',
      'cabinets.door_changed_at',
      'cabinets.reported_slots',
    ])
    .select((eb) => [
      eb
        .selectFrom('cabinet_tokens')
        .select(eb.fn.countAll<number | string>().as('n'))
        .whereRef('cabinet_tokens.cabinet_id', '=', 'cabinets.id')
        .where('cabinet_tokens.revoked_at', 'is', null)
        .as('tokens'),
      eb
        .selectFrom('cabinet_tokens')
        .select((sub) => sub.fn.max('cabinet_tokens.last_used_at').as('t'))
        .whereRef('cabinet_tokens.cabinet_id', '=', 'cabinets.id')
        .as('token_last_used_at'),
    ]);
}

type BaseRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];

async function summarize(db: Kysely<DB>, rows: BaseRow[]): Promise<CabinetSummary[]> {
  if (rows.length === 0) return [];
  const counts = await db
    .selectFrom('keys')
    .select(['cabinet_id', 'status'])
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where(
      'cabinet_id',
      'in',
      rows.map((row) => row.id),
    )
    .groupBy(['cabinet_id', 'status'])
    .execute();
  return rows.map((row) => {
    const keys = { in: 0, out: 0, missing: 0 };
    for (const count of counts) {
      if (count.cabinet_id === row.id && count.status !== 'retired') keys[count.status] = Number(count.n);
    }
    return {
      id: row.id,
      name: row.name,
      site: row.site_id,
      slots: row.slot_count,
      keys,
      // PostgreSQL answers count(*) as a bigint string.
      tokens: Number(row.tokens ?? 0),
      lastSeenAt: latest(row.last_seen_at, row.token_last_used_at as string | null),
      online: Number(row.online) === 1,
      offlineSince: row.offline_since,
      door: row.door,
      doorSince: row.door === null ? null : row.door_changed_at,
    };
  });
}

/** A page of cabinets ordered by id, one more than `limit` when there is a next page. */
export async function listCabinets(
  db: Kysely<DB>,
  filter: { site?: string; after?: string; limit: number },
): Promise<CabinetSummary[]> {
  let query = baseQuery(db)
    .orderBy('cabinets.id')
    .limit(filter.limit + 1);
  if (filter.after !== undefined) query = query.where('cabinets.id', '>', filter.after);
  if (filter.site !== undefined) query = query.where('cabinets.site_id', '=', filter.site);
  return summarize(db, await query.execute());
}

/** One cabinet with every slot, or undefined. */
export async function findCabinetDetail(db: Kysely<DB>, id: string): Promise<CabinetDetail | undefined> {
  const row = await baseQuery(db).where('cabinets.id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const [summary] = await summarize(db, [row]);
  const [slots, homeKeys] = await Promise.all([
    db
      .selectFrom('slots')
      .leftJoin('keys', 'keys.id', 'slots.key_id')
      .select(['slots.number', 'keys.id as key_id', 'keys.label', 'keys.status'])
      .where('slots.cabinet_id', '=', id)
      .orderBy('slots.number')
      .execute(),
    db
      .selectFrom('keys')
      .select(['id', 'label', 'status', 'slot'])
      .where('cabinet_id', '=', id)
      .where('status', '!=', 'retired')
      .execute(),
  ]);
  const occupant = new Map(
    slots.map((slot) => [
      slot.number,
      slot.key_id && slot.label !== null && slot.status !== null
        ? { id: slot.key_id, label: slot.label, status: slot.status }
        : null,
    ]),
  );
  const homeOf = new Map(
    homeKeys.map((key) => [key.slot, { id: key.id, label: key.label, status: key.status }]),
  );
  const reported = row.reported_slots
    ? (JSON.parse(row.reported_slots) as Record<string, string | null>)
    : {};
  const slotList: SlotView[] = [];
  for (let number = 1; number <= row.slot_count; number++) {
    const fob = reported[String(number)];
    slotList.push({
      number,
      key: occupant.get(number) ?? null,
      home: homeOf.get(number) ?? null,
      reported: fob === undefined ? null : { fob },
    });
  }
  return { ...(summary as CabinetSummary), slotList };
}
