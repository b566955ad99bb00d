/**
 * The directory's revision number. Every transaction that changes people, roles, keys, cabinets or sites
 * bumps it; every process that caches a compiled policy compares it, so a person deactivated by one process
 * is denied by all of them at once.
 */
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../store/schema.js';

export async function bumpDirectoryRevision(trx: Transaction<DB>): Promise<void> {
  await trx
    .updateTable('revisions')
    .set({ value: sql<number>`value + 1` })
    .where('name', '=', 'directory')
    .execute();
}

export async function directoryRevision(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('revisions')
    .select('value')
    .where('name', '=', 'directory')
    .executeTakeFirst();
  return row?.value ?? 0;
}
