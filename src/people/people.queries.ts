/**
 * Reading the directory's people for the console: a filtered, paged list and one person in full (roles,
 * supervisor, contact, console roles, credentials without any secret, lockout state). Row types stay here.
 */
import { type Kysely, sql } from 'kysely';
import { type LockoutStatus, lockoutStatus } from '../credentials/factor-lockouts.js';
import { type ConsoleRole, isConsoleRole } from '../domain/console/console-roles.js';
import { badgeEnding } from '../domain/credentials/badge-number.js';
import type { CredentialTable, DB } from '../store/schema.js';

export type CredentialKind = CredentialTable['kind'];

export interface PersonSummary {
  id: string;
  name: string;
  active: boolean;
  roles: string[];
  supervisor: string | null;
  consoleRoles: ConsoleRole[];
  /** The kinds of live credential the person holds, in a fixed order. */
  factors: CredentialKind[];
}

/** One credential as the console may see it: what it is and when, never a hash, seed or full badge number. */
export interface CredentialView {
  id: string;
  kind: CredentialKind;
  /** Badges: the last four characters only (`…C3D4`). */
  badgeEnding?: string;
  /** Fingerprints: the label given at enrolment and the WebAuthn credential id (public). */
  label?: string | null;
  credentialId?: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface PersonDetail extends PersonSummary {
  email: string | null;
  phone: string | null;
  updatedAt: string;
  credentials: CredentialView[];
  lockout: LockoutStatus;
}

export interface PeopleFilter {
  active?: boolean;
  /** A job role id (person_roles), not a console role. */
  role?: string;
  /** Text found in the id or the name, case-insensitive. */
  q?: string;
  /** Only these people (a supervisor's team and themself). */
  only?: readonly string[];
  /** The id after which the page starts. */
  after?: string;
  limit: number;
}

/** Every kind the credentials table holds, in the order the console lists them. */
export const CREDENTIAL_KINDS = [
  'pin',
  'badge',
  'totp',
  'fingerprint',
  'password',
  'passkey',
] as const satisfies readonly CredentialKind[];
const KIND_ORDER: readonly CredentialKind[] = CREDENTIAL_KINDS;

/** `50%_off` -> `50\%\_off`: the text matches literally inside LIKE. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** A page of people ordered by id, one more than `limit` when there is a next page. */
export async function listPeople(db: Kysely<DB>, filter: PeopleFilter): Promise<PersonSummary[]> {
  let query = db
    .selectFrom('people')
    .select(['id', 'name', 'active', 'supervisor_id'])
    .orderBy('id')
    .limit(filter.limit + 1);
  if (filter.after !== undefined) query = query.where('id', '>', filter.after);
  if (filter.active !== undefined) query = query.where('active', '=', filter.active ? 1 : 0);
  if (filter.only) {
    if (filter.only.length === 0) return [];
    query = query.where('id', 'in', [...filter.only]);
  }
  if (filter.role !== undefined) {
    const role = filter.role;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('person_roles')
          .select('person_roles.person_id')
          .whereRef('person_roles.person_id', '=', 'people.id')
          .where('person_roles.role_id', '=', role),
      ),
    );
  }
  if (filter.q !== undefined && filter.q !== '') {
    const pattern = `%${likeLiteral(filter.q.toLowerCase())}%`;
    // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's only for non-ASCII.
    query = query.where(
      sql<boolean>`(lower(id) like ${pattern} escape '\\' or lower(name) like ${pattern} escape '\\')`,
    );
  }
  const rows = await query.execute();
  return summarize(db, rows);
}

async function summarize(
  db: Kysely<DB>,
  rows: { id: string; name: string; active: number; supervisor_id: string | null }[],
): Promise<PersonSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const [roles, consoleRoles, credentials] = await Promise.all([
    db
      .selectFrom('person_roles')
      .select(['person_id', 'role_id'])
      .where('person_id', 'in', ids)
      .orderBy('role_id')
      .execute(),
    db.selectFrom('console_roles').select(['person_id', 'role']).where('person_id', 'in', ids).execute(),
    db
      .selectFrom('credentials')
      .select(['person_id', 'kind'])
      .distinct()
      .where('person_id', 'in', ids)
      .where('revoked_at', 'is', null)
      .execute(),
  ]);
  const group = <T>(list: { person_id: string; value: T }[]) => {
    const map = new Map<string, T[]>();
    for (const item of list) map.set(item.person_id, [...(map.get(item.person_id) ?? []), item.value]);
    return map;
  };
  const rolesOf = group(roles.map((row) => ({ person_id: row.person_id, value: row.role_id })));
  const consoleOf = group(consoleRoles.map((row) => ({ person_id: row.person_id, value: row.role })));
  const kindsOf = group(credentials.map((row) => ({ person_id: row.person_id, value: row.kind })));
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    active: row.active === 1,
    roles: rolesOf.get(row.id) ?? [],
    supervisor: row.supervisor_id,
    consoleRoles: (consoleOf.get(row.id) ?? []).filter(isConsoleRole).sort(),
    factors: KIND_ORDER.filter((kind) => kindsOf.get(row.id)?.includes(kind)),
  }));
}

/** One person in full, or undefined. Revoked credentials only when asked. */
export async function findPersonDetail(
  db: Kysely<DB>,
  id: string,
  now: Date,
  options: { includeRevoked?: boolean } = {},
): Promise<PersonDetail | undefined> {
  const row = await db.selectFrom('people').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const [summary] = await summarize(db, [row]);
  let credentials = db
    .selectFrom('credentials')
    .select(['id', 'kind', 'lookup', 'data', 'created_at', 'last_used_at', 'revoked_at'])
    .where('person_id', '=', id);
  if (!options.includeRevoked) credentials = credentials.where('revoked_at', 'is', null);
  const credentialRows = await credentials.orderBy('created_at').orderBy('id').execute();
  return {
    ...(summary as PersonSummary),
    email: row.email,
    phone: row.phone,
    updatedAt: row.updated_at,
    credentials: credentialRows
      .map(toCredentialView)
      .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind)),
    lockout: await lockoutStatus(db, id, now),
  };
}

function toCredentialView(row: {
  id: string;
  kind: CredentialKind;
  lookup: string | null;
  data: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}): CredentialView {
  const base = {
    id: row.id,
    kind: row.kind,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
  if (row.kind === 'badge' && row.lookup !== null) return { ...base, badgeEnding: badgeEnding(row.lookup) };
  if (row.kind === 'fingerprint') {
    return { ...base, label: readLabel(row.data), ...(row.lookup ? { credentialId: row.lookup } : {}) };
  }
  return base;
}

function readLabel(data: string | null): string | null {
  try {
    const label = data ? (JSON.parse(data) as { label?: unknown }).label : null;
    return typeof label === 'string' ? label : null;
  } catch {
    return null;
  }
}

/** A person's live credential of one kind by its id (the `id` the console shows), or undefined. */
export function findLiveCredential(
  db: Kysely<DB>,
  person: string,
  kind: CredentialKind,
  id: string,
): Promise<{ id: string; lookup: string | null } | undefined> {
  return db
    .selectFrom('credentials')
    .select(['id', 'lookup'])
    .where('person_id', '=', person)
    .where('kind', '=', kind)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}
