/**
 * A revision number for the directory and inventory, bumped by every change to people, roles or keys, so
 * that each server process notices a change made by another (a CLI import, another server) and recompiles
 * the policy it decides with. Frozen in time.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('revisions')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'integer', (c) => c.notNull())
    .execute();
  await db.insertInto('revisions').values({ name: 'directory', value: 0 }).execute();
}

export async function down(): Promise<void> {
  throw new Error('forward-only: restore a backup instead');
}
