/**
 * The credential rows: lookups, inserts, revocation, and the one conditional update that makes each TOTP
 * code work once. Row types stay here; the service maps them.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import { newId } from '../store/ids.js';
import type { CredentialTable, DB } from '../store/schema.js';

export type CredentialRow = Selectable<CredentialTable>;
export type CredentialKind = CredentialTable['kind'];

export async function findPerson(
  db: Kysely<DB>,
  id: string,
): Promise<{ id: string; name: string; active: number } | undefined> {
  return db.selectFrom('people').select(['id', 'name', 'active']).where('id', '=', id).executeTakeFirst();
}

/** A person's live (not revoked) credentials of one kind, newest first. */
export function findLiveCredentials(
  db: Kysely<DB>,
  person: string,
  kind: CredentialKind,
): Promise<CredentialRow[]> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('person_id', '=', person)
    .where('kind', '=', kind)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** The live badge with this (normalised) number, whoever holds it. */
export function findLiveBadge(db: Kysely<DB>, number: string): Promise<CredentialRow | undefined> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('kind', '=', 'badge')
    .where('lookup', '=', number)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export function listPersonCredentials(
  db: Kysely<DB>,
  person: string,
  options: { includeRevoked?: boolean } = {},
): Promise<CredentialRow[]> {
  let query = db.selectFrom('credentials').selectAll().where('person_id', '=', person);
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  return query.orderBy('kind').orderBy('created_at').orderBy('id').execute();
}

export async function insertCredential(db: Kysely<DB>, row: Insertable<CredentialTable>): Promise<void> {
  await db.insertInto('credentials').values(row).execute();
}

/** Revokes live credentials by id; returns how many were live. */
export async function revokeCredentials(db: Kysely<DB>, ids: string[], at: string): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('credentials')
    .set({ revoked_at: at })
    .where('id', 'in', ids)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** What a new credential stores beside its kind: a hash or a sealed secret, and its data (JSON), each or null. */
export interface CredentialContent {
  secret: string | null;
  data: string | null;
}

/**
 * Replaces the person's credential of one kind (PIN, password, authenticator: one live at a time): revokes
 * the live ones and inserts the new one, both at `at`. `build` gets the new credential's id, because a TOTP
 * seed is sealed with it as context. Returns the new id and how many live credentials it replaced.
 * @example const { id, replaced } = await replaceLiveCredential(trx, 'p-ruiz', 'pin', at, async () => ({ secret: await hashPin(pin), data: null }))
 */
export async function replaceLiveCredential(
  db: Kysely<DB>,
  person: string,
  kind: CredentialKind,
  at: string,
  build: (id: string) => CredentialContent | Promise<CredentialContent>,
): Promise<{ id: string; replaced: number }> {
  const earlier = await findLiveCredentials(db, person, kind);
  await revokeCredentials(
    db,
    earlier.map((row) => row.id),
    at,
  );
  const id = newId(Date.parse(at));
  const { secret, data } = await build(id);
  await insertCredential(db, {
    id,
    person_id: person,
    kind,
    lookup: null,
    secret,
    data,
    counter: null,
    created_at: at,
    last_used_at: null,
    revoked_at: null,
  });
  return { id, replaced: earlier.length };
}

export async function markCredentialUsed(db: Kysely<DB>, id: string, at: string): Promise<void> {
  await db.updateTable('credentials').set({ last_used_at: at }).where('id', '=', id).execute();
}

/**
 * Records `step` as the last TOTP step used, only if it is later than the one recorded: true when this call
 * moved it. Two uses of one code race here and exactly one wins, on both databases: PostgreSQL makes the
 * second update wait for the first's row lock and then re-checks the condition against the committed row
 * (READ COMMITTED), and SQLite runs one writing transaction at a time.
 */
export async function acceptTotpStep(db: Kysely<DB>, id: string, step: number, at: string): Promise<boolean> {
  const result = await db
    .updateTable('credentials')
    .set({ counter: step, last_used_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('counter', 'is', null), eb('counter', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Whether an error is a unique-index violation, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
