/**
 * Incidents: violations a manager must document and close (an unauthorised removal, a key long overdue,
 * repeated denials, as the policy's consequences say). Each has an owner (by default the person's
 * supervisor, else an administrator), a timeline (the events that caused it, notes, assignments, the
 * close), and closes only with a resolution note. Every change is audited in the caller's transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import { dialectOf } from '../store/dialect-of.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';

export interface IncidentContext {
  audit: AuditLog;
  now: () => Date;
}

export interface TimelineItem {
  at: string;
  kind: 'opened' | 'event' | 'note' | 'assigned' | 'closed';
  actor: string | null;
  eventType: string | null;
  event: string | null;
  text: string | null;
}

export interface Incident {
  id: string;
  kind: string;
  status: 'open' | 'closed';
  person: string | null;
  key: string | null;
  checkout: string | null;
  owner: string | null;
  summary: string;
  openedAt: string;
  closedAt: string | null;
  resolution: string | null;
}

export interface IncidentWithTimeline extends Incident {
  timeline: TimelineItem[];
}

type IncidentRow = {
  id: string;
  kind: string;
  status: 'open' | 'closed';
  person_id: string | null;
  key_id: string | null;
  checkout_id: string | null;
  owner_id: string | null;
  summary: string;
  opened_at: string;
  closed_at: string | null;
  resolution: string | null;
};

function toIncident(row: IncidentRow): Incident {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    person: row.person_id,
    key: row.key_id,
    checkout: row.checkout_id,
    owner: row.owner_id,
    summary: row.summary,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    resolution: row.resolution,
  };
}

/** The default owner: the person's active supervisor, else the first administrator, else nobody. */
async function defaultOwner(trx: Transaction<DB>, person: string | null): Promise<string | null> {
  if (person) {
    const row = await trx
      .selectFrom('people as p')
      .innerJoin('people as s', 's.id', 'p.supervisor_id')
      .select('s.id')
      .where('p.id', '=', person)
      .where('s.active', '=', 1)
      .executeTakeFirst();
    if (row) return row.id;
  }
  const admin = await trx
    .selectFrom('console_roles as r')
    .innerJoin('people as p', 'p.id', 'r.person_id')
    .select('p.id')
    .where('r.role', '=', 'admin')
    .where('p.active', '=', 1)
    .orderBy('p.id')
    .executeTakeFirst();
  return admin?.id ?? null;
}

async function addTimeline(
  trx: Transaction<DB>,
  incident: string,
  at: string,
  item: Omit<TimelineItem, 'at'>,
): Promise<void> {
  // The incident row is locked by the caller (lockRow) or new, so the next number is this transaction's.
  const last = await trx
    .selectFrom('incident_timeline')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('incident_id', '=', incident)
    .executeTakeFirst();
  await trx
    .insertInto('incident_timeline')
    .values({
      id: newId(Date.parse(at)),
      incident_id: incident,
      seq: Number(last?.seq ?? 0) + 1,
      at,
      kind: item.kind,
      actor_id: item.actor,
      event_type: item.eventType,
      event_id: item.event,
      text: item.text,
    })
    .execute();
}

export interface OpenIncidentInput {
  /** What caused it: 'unauthorised-removal' | 'overdue' | 'denied' | ... */
  kind: string;
  person: string | null;
  key: string | null;
  checkout: string | null;
  summary: string;
  /** The event that caused it, first on the timeline. */
  cause: { type: string; id: string | null; text?: string; at?: string };
}

/** Opens an incident with its cause on the timeline; audited. */
export async function openIncident(
  trx: Transaction<DB>,
  context: IncidentContext,
  input: OpenIncidentInput,
): Promise<Incident> {
  const at = context.now().toISOString();
  const row: IncidentRow = {
    id: newId(Date.parse(at)),
    kind: input.kind,
    status: 'open',
    person_id: input.person,
    key_id: input.key,
    checkout_id: input.checkout,
    owner_id: await defaultOwner(trx, input.person),
    summary: input.summary,
    opened_at: at,
    closed_at: null,
    resolution: null,
  };
  await trx.insertInto('incidents').values(row).execute();
  // The cause first, at its own time: it happened before the incident was opened.
  await addTimeline(trx, row.id, input.cause.at && input.cause.at < at ? input.cause.at : at, {
    kind: 'event',
    actor: null,
    eventType: input.cause.type,
    event: input.cause.id,
    text: input.cause.text ?? null,
  });
  await addTimeline(trx, row.id, at, {
    kind: 'opened',
    actor: null,
    eventType: null,
    event: null,
    text: input.summary,
  });
  await context.audit.append(trx, {
    type: 'incident.opened',
    at,
    person: input.person,
    key: input.key,
    data: {
      incident: row.id,
      kind: input.kind,
      owner: row.owner_id,
      checkout: input.checkout,
      summary: input.summary,
      cause: input.cause,
    },
  });
  return toIncident(row);
}

async function findRow(db: Kysely<DB>, id: string): Promise<IncidentRow> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new KeywardenError('not_found', `there is no incident "${id}"`);
  return row as IncidentRow;
}

export async function getIncident(db: Kysely<DB>, id: string): Promise<IncidentWithTimeline> {
  const row = await findRow(db, id);
  const items = await db
    .selectFrom('incident_timeline')
    .selectAll()
    .where('incident_id', '=', id)
    .orderBy('seq')
    .execute();
  return {
    ...toIncident(row),
    timeline: items.map((item) => ({
      at: item.at,
      kind: item.kind,
      actor: item.actor_id,
      eventType: item.event_type,
      event: item.event_id,
      text: item.text,
    })),
  };
}

/** Incidents newest first, optionally by status; `team` limits them to a supervisor's people (and own). */
export async function listIncidents(
  db: Kysely<DB>,
  filter: { status?: 'open' | 'closed'; team?: { owner: string; people: readonly string[] }; limit: number },
): Promise<Incident[]> {
  let query = db.selectFrom('incidents').selectAll().orderBy('opened_at', 'desc').orderBy('id', 'desc');
  if (filter.status) query = query.where('status', '=', filter.status);
  const team = filter.team;
  if (team) {
    query = query.where((eb) =>
      eb.or([
        eb('owner_id', '=', team.owner),
        ...(team.people.length > 0 ? [eb('person_id', 'in', [...team.people])] : []),
      ]),
    );
  }
  const rows = await query.limit(filter.limit).execute();
  return rows.map((row) => toIncident(row as IncidentRow));
}

/** Reads an incident and holds it for the transaction (PostgreSQL: FOR UPDATE; SQLite writes one at a time). */
async function lockRow(trx: Transaction<DB>, id: string): Promise<IncidentRow> {
  let query = trx.selectFrom('incidents').selectAll().where('id', '=', id);
  if (dialectOf(trx) === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new KeywardenError('not_found', `there is no incident "${id}"`);
  return row as IncidentRow;
}

async function requireOpen(trx: Transaction<DB>, id: string): Promise<IncidentRow> {
  const row = await lockRow(trx, id);
  if (row.status !== 'open') throw new KeywardenError('incident_closed', `incident ${id} is closed`);
  return row;
}

/** Adds a note to the timeline (open or closed incidents: a late finding still belongs there). */
export async function addIncidentNote(
  trx: Transaction<DB>,
  context: IncidentContext,
  input: { id: string; by: string; text: string },
): Promise<IncidentWithTimeline> {
  const row = await lockRow(trx, input.id);
  const text = input.text.trim();
  if (!text) throw new KeywardenError('invalid_request', 'a note needs some text');
  const at = context.now().toISOString();
  await addTimeline(trx, row.id, at, { kind: 'note', actor: input.by, eventType: null, event: null, text });
  await context.audit.append(trx, {
    type: 'incident.note-added',
    at,
    actor: input.by,
    person: row.person_id,
    key: row.key_id,
    data: { incident: row.id, note: text },
  });
  return getIncident(trx, row.id);
}

/** Gives an open incident to another owner: an active person in the directory. */
export async function assignIncident(
  trx: Transaction<DB>,
  context: IncidentContext,
  input: { id: string; by: string; owner: string },
): Promise<IncidentWithTimeline> {
  const row = await requireOpen(trx, input.id);
  const owner = await trx
    .selectFrom('people')
    .select(['id', 'active'])
    .where('id', '=', input.owner)
    .executeTakeFirst();
  if (!owner) throw new KeywardenError('unknown_person', `person "${input.owner}" is not in the directory`);
  if (owner.active !== 1) throw new KeywardenError('person_inactive', `${input.owner} is inactive`);
  const at = context.now().toISOString();
  await trx.updateTable('incidents').set({ owner_id: input.owner }).where('id', '=', row.id).execute();
  await addTimeline(trx, row.id, at, {
    kind: 'assigned',
    actor: input.by,
    eventType: null,
    event: null,
    text: `from ${row.owner_id ?? 'nobody'} to ${input.owner}`,
  });
  await context.audit.append(trx, {
    type: 'incident.assigned',
    at,
    actor: input.by,
    person: row.person_id,
    key: row.key_id,
    data: { incident: row.id, from: row.owner_id, to: input.owner },
  });
  return getIncident(trx, row.id);
}

/** Closes an open incident; refused without a resolution note. */
export async function closeIncident(
  trx: Transaction<DB>,
  context: IncidentContext,
  input: { id: string; by: string; resolution: string | undefined | null },
): Promise<IncidentWithTimeline> {
  const resolution = (input.resolution ?? '').trim();
  if (!resolution) {
    throw new KeywardenError(
      'resolution_required',
      'an incident closes only with a resolution note: say what happened and what was done',
    );
  }
  const row = await requireOpen(trx, input.id);
  const at = context.now().toISOString();
  await trx
    .updateTable('incidents')
    .set({ status: 'closed', closed_at: at, resolution })
    .where('id', '=', row.id)
    .where('status', '=', 'open')
    .execute();
  await addTimeline(trx, row.id, at, {
    kind: 'closed',
    actor: input.by,
    eventType: null,
    event: null,
    text: resolution,
  });
  await context.audit.append(trx, {
    type: 'incident.closed',
    at,
    actor: input.by,
    person: row.person_id,
    key: row.key_id,
    data: { incident: row.id, resolution },
  });
  return getIncident(trx, row.id);
}
