/**
 * Reading the audit tables in seq order, a page at a time, already in the domain's shape: the columns are
 * renamed in SQL so a row needs no mapping object on its way to the verifier (a million of them add up).
 */
import SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { ChainHead, StoredAuditEntry, StoredCheckpoint } from '../domain/audit/verify-chain.js';
import type { DB } from '../store/schema.js';

export interface StoredHead extends ChainHead {
  updatedAt: string;
}

const ENTRY_COLUMNS = [
  'seq',
  'at',
  'type',
  'actor',
  'person',
  'key',
  'cabinet',
  'policyVersion',
  'data',
  'prevHash',
  'hash',
] as const satisfies readonly (keyof StoredAuditEntry)[];

function entryPageQuery(db: Kysely<DB>, afterSeq: number | null, limit: number) {
  return db
    .selectFrom('audit_entries')
    .select([
      'seq',
      'at',
      'type',
      'actor_id as actor',
      'person_id as person',
      'key_id as key',
      'cabinet_id as cabinet',
      'policy_version as policyVersion',
      'data',
      'prev_hash as prevHash',
      'hash',
    ])
    .$if(afterSeq !== null, (query) => query.where('seq', '>', afterSeq as number))
    .orderBy('seq')
    .limit(limit);
}

/**
 * Entries after `afterSeq` (all, from the lowest seq, when null), oldest first. No lower bound at first,
 * because a tampered table may hold seq 0 or below.
 */
export function selectEntryPage(
  db: Kysely<DB>,
  afterSeq: number | null,
  limit: number,
): Promise<StoredAuditEntry[]> {
  return entryPageQuery(db, afterSeq, limit).execute();
}

export type EntryPageReader = (afterSeq: number | null, limit: number) => Promise<StoredAuditEntry[]>;

/** The SQLite file a `sqlite:` URL names, or null (another database, or an in-memory one). */
export function sqliteFileOf(url: string): string | null {
  if (!url.startsWith('sqlite:')) return null;
  const path = url.slice('sqlite:'.length).split('?')[0] ?? '';
  return path === '' || path === ':memory:' ? null : path;
}

/**
 * Reads entry pages from a SQLite file through a read-only connection of its own, in better-sqlite3's raw
 * mode: rows come back as arrays, and the objects are made in JavaScript. better-sqlite3 builds row objects
 * in C++ one property at a time, which costs as much as hashing the entry; this halves the cost of a
 * page. The SQL is still Kysely's. WAL lets this connection read while the store's connection writes.
 */
export function openSqliteEntryReader(
  db: Kysely<DB>,
  file: string,
): { read: EntryPageReader; close(): void } {
  const connection = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  connection.pragma('busy_timeout = 10000');
  const statements = new Map<string, SqliteDatabase.Statement>();
  const read: EntryPageReader = async (afterSeq, limit) => {
    const { sql, parameters } = entryPageQuery(db, afterSeq, limit).compile();
    let statement = statements.get(sql);
    if (!statement) {
      statement = connection.prepare(sql).raw(true);
      const names = statement.columns().map((column) => column.name);
      if (names.join() !== ENTRY_COLUMNS.join())
        throw new Error(`unexpected audit entry columns: ${names.join()}`);
      statements.set(sql, statement);
    }
    const rows = statement.all(...(parameters as unknown[])) as unknown[][];
    const entries = new Array<StoredAuditEntry>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as unknown[];
      entries[i] = {
        seq: row[0] as number,
        at: row[1] as string,
        type: row[2] as string,
        actor: row[3] as string | null,
        person: row[4] as string | null,
        key: row[5] as string | null,
        cabinet: row[6] as string | null,
        policyVersion: row[7] as number | null,
        data: row[8] as string,
        prevHash: row[9] as string,
        hash: row[10] as string,
      };
    }
    return entries;
  };
  return { read, close: () => connection.close() };
}

/** Checkpoints with afterSeq < seq <= throughSeq (either bound left out when null), oldest first. */
export function selectCheckpoints(
  db: Kysely<DB>,
  afterSeq: number | null,
  throughSeq: number | null,
): Promise<StoredCheckpoint[]> {
  return db
    .selectFrom('audit_checkpoints')
    .select(['seq', 'hash', 'signed_at as signedAt', 'signature', 'key_id as keyId'])
    .$if(afterSeq !== null, (query) => query.where('seq', '>', afterSeq as number))
    .$if(throughSeq !== null, (query) => query.where('seq', '<=', throughSeq as number))
    .orderBy('seq')
    .execute();
}

/** The head row, or null if someone deleted it. */
export async function selectHead(db: Kysely<DB>): Promise<StoredHead | null> {
  const head = await db
    .selectFrom('audit_head')
    .select(['seq', 'hash', 'updated_at as updatedAt'])
    .where('id', '=', 1)
    .executeTakeFirst();
  return head ?? null;
}

export async function countCheckpoints(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('audit_checkpoints')
    .select((eb) => eb.fn.countAll().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
