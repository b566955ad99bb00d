/**
 * Fills the directory (people, roles) and inventory (sites, cabinets, slots, key groups, keys) from a policy
 * file, inside the import's transaction. Items are matched by id: new ones are created, changed ones
 * updated, and each change is an audit entry naming the fields that changed. Items missing from the file
 * are left alone: the directory also changes from the console and imports, and a policy file that omits
 * someone must not delete them.
 */
import type { Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { endSessionsOfInactivePeople } from '../console/console-sessions.service.js';
import type { PolicyFile } from '../domain/policy/policy-file.js';
import type { DB } from '../store/schema.js';
import { bumpDirectoryRevision } from './directory-revision.js';

export interface DirectoryImportSummary {
  created: number;
  updated: number;
}

interface ImportContext {
  trx: Transaction<DB>;
  audit: AuditLog;
  actor: string;
  at: string;
  summary: DirectoryImportSummary;
}

type Row = Record<string, string | number | null>;

/** Fields that differ between a stored row and the wanted one. */
function changedFields(existing: Row, wanted: Row): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [field, value] of Object.entries(wanted)) {
    if (field === 'updated_at') continue;
    if (existing[field] !== value) changes[field] = { from: existing[field] ?? null, to: value };
  }
  return changes;
}

async function upsertRows(
  context: ImportContext,
  table: 'sites' | 'cabinets' | 'key_groups' | 'keys' | 'roles' | 'people',
  noun: string,
  wanted: Row[],
  subject: (row: Row) => { person?: string; key?: string; cabinet?: string } = () => ({}),
  /** Runs after the stored rows are read (they are what changes are audited against), before any write. */
  beforeWrites?: (existing: Map<string, Row>) => Promise<void>,
): Promise<void> {
  const { trx } = context;
  const existing = new Map<string, Row>();
  // biome-ignore lint/suspicious/noExplicitAny: one generic upsert over several tables keyed by id.
  const rows = (await (trx as any).selectFrom(table).selectAll().execute()) as Row[];
  for (const row of rows) existing.set(String(row.id), row);
  await beforeWrites?.(existing);
  for (const row of wanted) {
    const id = String(row.id);
    const before = existing.get(id);
    if (!before) {
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      await (trx as any).insertInto(table).values(row).execute();
      context.summary.created++;
      await context.audit.append(trx, {
        type: `${noun}.created`,
        at: context.at,
        actor: context.actor,
        ...subject(row),
        data: { id, source: 'policy-import', fields: row },
      });
      continue;
    }
    const changes = changedFields(before, row);
    if (Object.keys(changes).length === 0) continue;
    const update = Object.fromEntries(Object.keys(changes).map((field) => [field, row[field]]));
    if ('updated_at' in row) update.updated_at = row.updated_at ?? context.at;
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    await (trx as any).updateTable(table).set(update).where('id', '=', id).execute();
    context.summary.updated++;
    await context.audit.append(trx, {
      type: `${noun}.updated`,
      at: context.at,
      actor: context.actor,
      ...subject(row),
      data: { id, source: 'policy-import', changes },
    });
  }
}

/** Creates or updates every directory and inventory item the policy file names. */
export async function importDirectory(
  trx: Transaction<DB>,
  policy: PolicyFile,
  options: { audit: AuditLog; actor: string; at: string },
): Promise<DirectoryImportSummary> {
  const context: ImportContext = { trx, ...options, summary: { created: 0, updated: 0 } };
  const at = options.at;

  await upsertRows(
    context,
    'sites',
    'site',
    policy.sites.map((site) => ({ id: site.id, name: site.name, timezone: site.timezone, updated_at: at })),
  );
  await upsertRows(
    context,
    'cabinets',
    'cabinet',
    policy.cabinets.map((c) => ({
      id: c.id,
      site_id: c.site,
      name: c.name,
      slot_count: c.slots,
      updated_at: at,
    })),
    (row) => ({ cabinet: String(row.id) }),
  );
  for (const cabinet of policy.cabinets) {
    const present = await trx
      .selectFrom('slots')
      .select('number')
      .where('cabinet_id', '=', cabinet.id)
      .execute();
    const have = new Set(present.map((slot) => slot.number));
    const missing = [];
    for (let number = 1; number <= cabinet.slots; number++) {
      if (!have.has(number)) missing.push({ cabinet_id: cabinet.id, number, key_id: null });
    }
    if (missing.length) await trx.insertInto('slots').values(missing).execute();
  }
  await upsertRows(
    context,
    'key_groups',
    'key-group',
    policy.keyGroups.map((g) => ({ id: g.id, name: g.name, sensitivity: g.sensitivity ?? 'normal' })),
  );

  const knownKeys = new Set((await trx.selectFrom('keys').select('id').execute()).map((key) => key.id));
  // A valid file may swap two keys' home slots, or give a new key the slot another key leaves. keys_home_slot
  // is checked after every statement, so keys that move are first parked on their old slot negated (no real
  // slot is negative, and old slots were unique), then moved home; the audit compares with the unparked rows.
  const parked = new Map<string, number>();
  const parkMovingKeys = async (existing: Map<string, Row>) => {
    for (const key of policy.keys) {
      const before = existing.get(key.id);
      if (!before || (before.cabinet_id === key.cabinet && before.slot === key.slot)) continue;
      await trx
        .updateTable('keys')
        .set({ slot: -Number(before.slot) })
        .where('id', '=', key.id)
        .execute();
      parked.set(key.id, key.slot);
    }
  };
  await upsertRows(
    context,
    'keys',
    'key',
    policy.keys.map((key) => ({
      id: key.id,
      label: key.label,
      group_id: key.group,
      cabinet_id: key.cabinet,
      slot: key.slot,
      sensitivity: key.sensitivity ?? null,
      updated_at: at,
      // Only a new key gets a status: an existing key may be out right now.
      ...(knownKeys.has(key.id) ? {} : { status: 'in', tag_id: null, current_checkout_id: null }),
    })),
    (row) => ({ key: String(row.id) }),
    parkMovingKeys,
  );
  // A key that changed cabinet but kept its slot number had no slot change to write: unpark it.
  for (const [id, slot] of parked) {
    await trx.updateTable('keys').set({ slot }).where('id', '=', id).where('slot', '<', 0).execute();
  }
  for (const key of policy.keys) {
    if (knownKeys.has(key.id)) continue;
    await trx
      .updateTable('slots')
      .set({ key_id: key.id })
      .where('cabinet_id', '=', key.cabinet)
      .where('number', '=', key.slot)
      .execute();
  }

  await upsertRows(
    context,
    'roles',
    'role',
    policy.roles.map((role) => ({ id: role.id, name: role.name })),
  );
  const peopleBefore = new Set(
    (await trx.selectFrom('people').select('id').execute()).map((person) => person.id),
  );
  await upsertRows(
    context,
    'people',
    'person',
    supervisorsFirst(policy.people).map((person) => ({
      id: person.id,
      name: person.name,
      email: person.email ?? null,
      phone: person.phone ?? null,
      active: person.active === false ? 0 : 1,
      supervisor_id: person.supervisor ?? null,
      updated_at: at,
    })),
    (row) => ({ person: String(row.id) }),
  );

  for (const person of policy.people) {
    const stored = await trx
      .selectFrom('person_roles')
      .select('role_id')
      .where('person_id', '=', person.id)
      .execute();
    const before = new Set(stored.map((row) => row.role_id));
    const after = new Set(person.roles);
    const added = [...after].filter((role) => !before.has(role));
    const removed = [...before].filter((role) => !after.has(role));
    if (added.length)
      await trx
        .insertInto('person_roles')
        .values(added.map((role_id) => ({ person_id: person.id, role_id })))
        .execute();
    if (removed.length) {
      await trx
        .deleteFrom('person_roles')
        .where('person_id', '=', person.id)
        .where('role_id', 'in', removed)
        .execute();
    }
    if (added.length || removed.length) {
      // A new person's roles are part of creating them, not a further update.
      if (peopleBefore.has(person.id)) context.summary.updated++;
      await options.audit.append(trx, {
        type: 'person.roles-changed',
        at,
        actor: options.actor,
        person: person.id,
        data: { source: 'policy-import', added, removed },
      });
    }
  }
  // A person deactivated by this import loses every console session at once.
  await endSessionsOfInactivePeople(
    trx,
    { audit: options.audit, now: () => new Date(at) },
    { by: options.actor },
  );
  if (context.summary.created + context.summary.updated > 0) await bumpDirectoryRevision(trx);
  return context.summary;
}

/**
 * People ordered so that everyone's supervisor comes before them (the supervisor reference must exist when
 * the row is written). Validation has ruled out cycles; a supervisor outside the file is already stored.
 */
function supervisorsFirst(people: PolicyFile['people']): PolicyFile['people'] {
  const byId = new Map(people.map((person) => [person.id, person]));
  const ordered: PolicyFile['people'] = [];
  const placed = new Set<string>();
  const place = (person: PolicyFile['people'][number], depth: number): void => {
    if (placed.has(person.id) || depth > people.length) return;
    const supervisor = person.supervisor ? byId.get(person.supervisor) : undefined;
    if (supervisor) place(supervisor, depth + 1);
    placed.add(person.id);
    ordered.push(person);
  };
  for (const person of people) place(person, 0);
  return ordered;
}
