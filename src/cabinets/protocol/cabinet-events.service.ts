/**
 * What a cabinet's reports do to the database, each in the caller's one transaction with its audit entry
 * (and outbox event where the policy may notify): connected, door opened or closed, a door held open, an
 * outage, a key removed (confirming a release, or an unauthorised removal), a key inserted (a return), a
 * release recorded after a checkout and undone when the key never left. The connection handling that calls
 * these lives in cabinet-connections.ts; nothing here knows about sockets.
 */
import type { Transaction } from 'kysely';
import type { AuditLog } from '../../audit/audit-log.js';
import { recordReturn } from '../../checkouts/checkouts.service.js';
import { recordUnauthorisedRemoval } from '../../consequences/unauthorised-removal.js';
import { KeywardenError } from '../../domain/errors.js';
import { enqueueOutboxEvent } from '../../notifications/outbox.js';
import type { DB } from '../../store/schema.js';
import type { DoorState } from './messages.js';

export interface CabinetEventsContext {
  audit: AuditLog;
  now: () => Date;
}

type SlotReport = Record<string, string | null>;

async function readReportedSlots(trx: Transaction<DB>, cabinet: string): Promise<SlotReport> {
  const row = await trx
    .selectFrom('cabinets')
    .select('reported_slots')
    .where('id', '=', cabinet)
    .executeTakeFirst();
  return row?.reported_slots ? (JSON.parse(row.reported_slots) as SlotReport) : {};
}

async function reportSlot(trx: Transaction<DB>, cabinet: string, slot: number, tag: string | null) {
  const slots = await readReportedSlots(trx, cabinet);
  slots[String(slot)] = tag;
  await trx
    .updateTable('cabinets')
    .set({ reported_slots: JSON.stringify(slots) })
    .where('id', '=', cabinet)
    .execute();
}

/** Refuses a slot the cabinet does not have (the schema bounds it; the cabinet's size is in the database). */
async function assertSlot(trx: Transaction<DB>, cabinet: string, slot: number): Promise<void> {
  const row = await trx
    .selectFrom('cabinets')
    .select('slot_count')
    .where('id', '=', cabinet)
    .executeTakeFirst();
  if (!row) throw new KeywardenError('unknown_cabinet', `unknown cabinet "${cabinet}"`);
  if (slot > row.slot_count) {
    throw new KeywardenError(
      'invalid_request',
      `cabinet "${cabinet}" has no slot ${slot} (1..${row.slot_count})`,
    );
  }
}

/** The key a fob tag names: its tag id, else (keys without a tag) its id. */
export async function keyOfTag(trx: Transaction<DB>, tag: string): Promise<{ id: string; tag: string }> {
  const byTag = await trx
    .selectFrom('keys')
    .select(['id', 'tag_id'])
    .where('tag_id', '=', tag)
    .executeTakeFirst();
  if (byTag) return { id: byTag.id, tag };
  const byId = await trx
    .selectFrom('keys')
    .select(['id', 'tag_id'])
    .where('id', '=', tag)
    .where('tag_id', 'is', null)
    .executeTakeFirst();
  if (!byId) throw new KeywardenError('unknown_key', `no key has the fob tag "${tag}"`);
  return { id: byId.id, tag };
}

/** The tag a cabinet sees on a key's fob. */
export async function tagOfKey(trx: Transaction<DB>, key: string): Promise<string> {
  const row = await trx.selectFrom('keys').select(['id', 'tag_id']).where('id', '=', key).executeTakeFirst();
  return row?.tag_id ?? key;
}

/**
 * The slots whose reported fob differs from what the database holds there (at most 50 listed): a key moved
 * or taken while the cabinet could not report it, or a reader fault.
 */
async function compareWithRecords(
  trx: Transaction<DB>,
  cabinet: string,
  slots: { slot: number; key: string | null }[],
): Promise<{ slot: number; recorded: string | null; reported: string | null }[]> {
  const rows = await trx
    .selectFrom('slots')
    .leftJoin('keys', 'keys.id', 'slots.key_id')
    .select(['slots.number', 'slots.key_id', 'keys.tag_id'])
    .where('slots.cabinet_id', '=', cabinet)
    .execute();
  const recorded = new Map(rows.map((row) => [row.number, row.key_id ? (row.tag_id ?? row.key_id) : null]));
  return slots
    .filter((report) => (recorded.get(report.slot) ?? null) !== report.key)
    .slice(0, 50)
    .map((report) => ({
      slot: report.slot,
      recorded: recorded.get(report.slot) ?? null,
      reported: report.key,
    }));
}

/** A hello: the cabinet is online, with its door and slots as reported; an outage it ends is audited too. */
export async function recordConnected(
  trx: Transaction<DB>,
  context: CabinetEventsContext,
  input: {
    cabinet: string;
    replaced: boolean;
    door: DoorState;
    slots: { slot: number; key: string | null }[];
  },
): Promise<{ wasOffline: boolean; doorOpenSince: string | null }> {
  const at = context.now().toISOString();
  const before = await trx
    .selectFrom('cabinets')
    .select(['id', 'slot_count', 'offline_since', 'door', 'door_changed_at'])
    .where('id', '=', input.cabinet)
    .executeTakeFirst();
  if (!before) throw new KeywardenError('unknown_cabinet', `unknown cabinet "${input.cabinet}"`);
  const outside = input.slots.filter((s) => s.slot > before.slot_count).map((s) => s.slot);
  if (outside.length > 0) {
    throw new KeywardenError(
      'invalid_request',
      `cabinet "${input.cabinet}" has slots 1..${before.slot_count}; the hello names ${outside.join(', ')}`,
    );
  }
  const slots: SlotReport = {};
  for (const report of input.slots) slots[String(report.slot)] = report.key;
  const doorChanged = before.door !== input.door;
  const doorChangedAt = doorChanged ? at : (before.door_changed_at ?? at);
  await trx
    .updateTable('cabinets')
    .set({
      online: 1,
      offline_since: null,
      last_seen_at: at,
      door: input.door,
      door_changed_at: doorChangedAt,
      ...(doorChanged ? { door_alerted_at: null } : {}),
      reported_slots: JSON.stringify(slots),
    })
    .where('id', '=', input.cabinet)
    .execute();
  const wasOffline = before.offline_since !== null;
  const mismatches = await compareWithRecords(trx, input.cabinet, input.slots);
  await context.audit.append(trx, {
    type: 'cabinet.connected',
    at,
    cabinet: input.cabinet,
    data: {
      replaced: input.replaced,
      door: input.door,
      occupied: input.slots.filter((s) => s.key).length,
      // Kept for whoever reconciles: a hello reports, it changes no key (removed and inserted do).
      ...(mismatches.length > 0 ? { mismatches } : {}),
    },
  });
  if (wasOffline) {
    await context.audit.append(trx, {
      type: 'cabinet.back-online',
      at,
      cabinet: input.cabinet,
      data: { offlineSince: before.offline_since },
    });
  }
  return { wasOffline, doorOpenSince: input.door === 'open' ? doorChangedAt : null };
}

/** Writes last_seen_at (the caller throttles: it is informative, not a state change worth an audit entry). */
export async function recordSeen(trx: Transaction<DB>, context: CabinetEventsContext, cabinet: string) {
  await trx
    .updateTable('cabinets')
    .set({ last_seen_at: context.now().toISOString() })
    .where('id', '=', cabinet)
    .execute();
}

/** The cabinet missed its heartbeats: offline, announced once per outage. Returns false if it was already. */
export async function recordOffline(
  trx: Transaction<DB>,
  context: CabinetEventsContext,
  input: { cabinet: string; lastSeenAt: string | null },
): Promise<boolean> {
  const at = context.now().toISOString();
  // Conditional, so that one outage is announced once even if two processes noticed it.
  const changed = await trx
    .updateTable('cabinets')
    .set({ online: 0, offline_since: at })
    .where('id', '=', input.cabinet)
    .where('offline_since', 'is', null)
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) !== 1) return false;
  const data = { lastSeenAt: input.lastSeenAt };
  await context.audit.append(trx, { type: 'cabinet.offline', at, cabinet: input.cabinet, data });
  await enqueueOutboxEvent(trx, {
    eventType: 'cabinet-offline',
    at,
    payload: { cabinet: input.cabinet, ...data },
  });
  return true;
}

/** The door opened or closed; returns when it changed (null: no change, nothing recorded). */
export async function recordDoor(
  trx: Transaction<DB>,
  context: CabinetEventsContext,
  input: { cabinet: string; state: DoorState },
): Promise<string | null> {
  const at = context.now().toISOString();
  const before = await trx
    .selectFrom('cabinets')
    .select(['door'])
    .where('id', '=', input.cabinet)
    .executeTakeFirstOrThrow();
  if (before.door === input.state) return null;
  await trx
    .updateTable('cabinets')
    .set({ door: input.state, door_changed_at: at, door_alerted_at: null, last_seen_at: at })
    .where('id', '=', input.cabinet)
    .execute();
  await context.audit.append(trx, {
    type: input.state === 'open' ? 'cabinet.door-opened' : 'cabinet.door-closed',
    at,
    cabinet: input.cabinet,
    data: {},
  });
  return at;
}

/**
 * The door is still open since `openedAt`: announces it (door-open) once. Returns false when the door
 * closed meanwhile, opened again later, or this opening was announced already.
 */
export async function recordDoorHeldOpen(
  trx: Transaction<DB>,
  context: CabinetEventsContext,
  input: { cabinet: string; openedAt: string; thresholdMs: number },
): Promise<boolean> {
  const at = context.now().toISOString();
  const changed = await trx
    .updateTable('cabinets')
    .set({ door_alerted_at: at })
    .where('id', '=', input.cabinet)
    .where('door', '=', 'open')
    .where('door_changed_at', '=', input.openedAt)
    .where('door_alerted_at', 'is', null)
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) !== 1) return false;
  const data = { openSince: input.openedAt, thresholdSeconds: Math.round(input.thresholdMs / 1000) };
  await context.audit.append(trx, { type: 'cabinet.door-held-open', at, cabinet: input.cabinet, data });
  await enqueueOutboxEvent(trx, { eventType: 'door-open', at, payload: { cabinet: input.cabinet, ...data } });
  return true;
}

/** After a committed checkout: the release the cabinet is (or, not connected, is not) sent. */
export async function recordRelease(
  trx: Transaction<DB>,
  context: CabinetEventsContext,
  input: { checkout: string; cabinet: string; slot: number; key: string; until: string; sent: boolean },
): Promise<void> {
  const at = context.now().toISOString();
  await trx
    .insertInto('cabinet_releases')
    .values({
      checkout_id: input.checkout,
      cabinet_id: input.cabinet,
      slot: input.slot,
      key_id: input.key,
      created_at: at,
      until: input.until,
      sent_at: input.sent ? at : null,
      status: input.sent ? 'pending' : 'not-sent',
      resolved_at: null,
    })
    .execute();
  await context.audit.append(trx, {
    type: input.sent ? 'cabinet.release-sent' : 'cabinet.release-not-sent',
    at,
    key: input.key,
    cabinet: input.cabinet,
    data: { checkout: input.checkout, slot: input.slot, until: input.until },
  });
}

export type RemovalOutcome =
  | { outcome: 'removal-confirmed'; key: string; checkout: string }
  | { outcome: 'unauthorised-removal'; key: string; event: string };

/**
 * A key left a slot. With an open checkout (released, or taken while the cabinet was not connected) the
 * removal confirms it; without one it is an unauthorised removal (key missing, event, consequences).
 */
export async function recordRemoved(
  trx: Transaction<DB>,
  context: CabinetEventsContext,
  input: { cabinet: string; slot: number; tag: string },
): Promise<RemovalOutcome> {
  const at = context.now().toISOString();
  await assertSlot(trx, input.cabinet, input.slot);
  const key = await keyOfTag(trx, input.tag);
  await reportSlot(trx, input.cabinet, input.slot, null);
  const open = await trx
    .selectFrom('checkouts')
    .select(['id', 'person_id'])
    .where('key_id', '=', key.id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (!open) {
    const event = await recordUnauthorisedRemoval(trx, context, {
      cabinet: input.cabinet,
      slot: input.slot,
      key: key.id,
    });
    return { outcome: 'unauthorised-removal', key: key.id, event };
  }
  // Conditional: on PostgreSQL a release timing out at this moment holds the row until it commits, and then
  // this update finds it timed out (checked below) instead of confirming a checkout being undone.
  const confirmed = await trx
    .updateTable('cabinet_releases')
    .set({ status: 'confirmed', resolved_at: at })
    .where('checkout_id', '=', open.id)
    .where('status', 'in', ['pending', 'not-sent'])
    .executeTakeFirst();
  if (Number(confirmed.numUpdatedRows) === 0) {
    const release = await trx
      .selectFrom('cabinet_releases')
      .select('status')
      .where('checkout_id', '=', open.id)
      .executeTakeFirst();
    // The same removal reported twice (a resend after a lost ack) is confirmed once.
    if (release?.status === 'confirmed')
      return { outcome: 'removal-confirmed', key: key.id, checkout: open.id };
    if (release?.status === 'timed-out') {
      const event = await recordUnauthorisedRemoval(trx, context, {
        cabinet: input.cabinet,
        slot: input.slot,
        key: key.id,
      });
      return { outcome: 'unauthorised-removal', key: key.id, event };
    }
    // No release at all: a checkout taken another way (console, CLI); the removal confirms it as well.
  }
  await context.audit.append(trx, {
    type: 'checkout.removal-confirmed',
    at,
    person: open.person_id,
    key: key.id,
    cabinet: input.cabinet,
    data: { checkout: open.id, slot: input.slot },
  });
  return { outcome: 'removal-confirmed', key: key.id, checkout: open.id };
}

export type InsertionOutcome =
  | { outcome: 'returned'; key: string; checkout: string; late: boolean; wrongSlot: boolean }
  | { outcome: 'recovered'; key: string };

/**
 * A key went into a slot: the return of its open checkout (late, wrong slot: recorded where it went in), or
 * a missing key found again.
 */
export async function recordInserted(
  trx: Transaction<DB>,
  context: CabinetEventsContext,
  input: { cabinet: string; slot: number; tag: string },
): Promise<InsertionOutcome> {
  await assertSlot(trx, input.cabinet, input.slot);
  const key = await keyOfTag(trx, input.tag);
  const status = await trx
    .selectFrom('keys')
    .select(['status', 'current_checkout_id'])
    .where('id', '=', key.id)
    .executeTakeFirstOrThrow();
  if (status.status === 'missing' && status.current_checkout_id === null) {
    const at = context.now().toISOString();
    const filled = await trx
      .updateTable('slots')
      .set({ key_id: key.id })
      .where('cabinet_id', '=', input.cabinet)
      .where('number', '=', input.slot)
      .where('key_id', 'is', null)
      .executeTakeFirst();
    if (Number(filled.numUpdatedRows) !== 1) {
      throw new KeywardenError(
        'invalid_request',
        `slot ${input.slot} of cabinet "${input.cabinet}" is not empty`,
      );
    }
    await trx.updateTable('keys').set({ status: 'in', updated_at: at }).where('id', '=', key.id).execute();
    await reportSlot(trx, input.cabinet, input.slot, input.tag);
    await context.audit.append(trx, {
      type: 'key.recovered',
      at,
      key: key.id,
      cabinet: input.cabinet,
      data: { slot: input.slot },
    });
    return { outcome: 'recovered', key: key.id };
  }
  const checkout = await recordReturn(trx, context, {
    key: key.id,
    cabinet: input.cabinet,
    slot: input.slot,
  });
  // A key put back before the cabinet reported it gone: its release is settled by the return.
  await trx
    .updateTable('cabinet_releases')
    .set({ status: 'confirmed', resolved_at: checkout.returnedAt })
    .where('checkout_id', '=', checkout.id)
    .where('status', 'in', ['pending', 'not-sent'])
    .execute();
  await reportSlot(trx, input.cabinet, input.slot, input.tag);
  return {
    outcome: 'returned',
    key: key.id,
    checkout: checkout.id,
    late: checkout.late === true,
    wrongSlot: checkout.wrongSlot === true,
  };
}

/**
 * A release the cabinet never confirmed: the key never left, so the checkout is undone (closed at once in the
 * slot it was released from, the key back in) and the release marked timed out. Returns null when there is
 * nothing to undo (confirmed, returned, or undone already).
 */
export async function undoTimedOutRelease(
  trx: Transaction<DB>,
  context: CabinetEventsContext,
  checkoutId: string,
): Promise<{ cabinet: string; slot: number; key: string; person: string } | null> {
  const at = context.now().toISOString();
  // Claimed first, conditionally: a removal or return confirming the release at the same moment wins or
  // loses as a whole (see recordRemoved).
  const claimed = await trx
    .updateTable('cabinet_releases')
    .set({ status: 'timed-out', resolved_at: at })
    .where('checkout_id', '=', checkoutId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return null;
  const release = await trx
    .selectFrom('cabinet_releases')
    .selectAll()
    .where('checkout_id', '=', checkoutId)
    .executeTakeFirstOrThrow();
  const checkout = await trx
    .selectFrom('checkouts')
    .select(['id', 'person_id', 'policy_version'])
    .where('id', '=', checkoutId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (!checkout) return null;
  await trx
    .updateTable('checkouts')
    .set({
      status: 'returned',
      returned_at: at,
      returned_by: null,
      return_cabinet_id: release.cabinet_id,
      return_slot: release.slot,
      late: 0,
      wrong_slot: 0,
    })
    .where('id', '=', checkoutId)
    .where('status', '=', 'open')
    .execute();
  await trx
    .updateTable('keys')
    .set({ status: 'in', current_checkout_id: null, updated_at: at })
    .where('id', '=', release.key_id)
    .where('current_checkout_id', '=', checkoutId)
    .execute();
  await trx
    .updateTable('slots')
    .set({ key_id: release.key_id })
    .where('cabinet_id', '=', release.cabinet_id)
    .where('number', '=', release.slot)
    .where('key_id', 'is', null)
    .execute();
  await context.audit.append(trx, {
    type: 'checkout.release-timeout',
    at,
    actor: null,
    person: checkout.person_id,
    key: release.key_id,
    cabinet: release.cabinet_id,
    policyVersion: checkout.policy_version,
    data: { checkout: checkoutId, slot: release.slot, until: release.until, closedAs: 'release-timeout' },
  });
  return { cabinet: release.cabinet_id, slot: release.slot, key: release.key_id, person: checkout.person_id };
}

/** Releases still waiting for a removal (to re-arm their timers when the server starts). */
export async function pendingReleases(db: Pick<Transaction<DB>, 'selectFrom'>) {
  return db
    .selectFrom('cabinet_releases')
    .select(['checkout_id', 'cabinet_id', 'until'])
    .where('status', '=', 'pending')
    .execute();
}
