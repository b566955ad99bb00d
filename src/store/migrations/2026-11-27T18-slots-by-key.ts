/**
 * Finding the slot that holds a key. Every checkout asks which slot holds its key and empties it
 * (`where key_id = ?`); without an index both scan the whole slots table, which grows with the inventory
 * (about 0.8 ms per scan at 5,000 slots on the development machine, twice per checkout). Frozen in time.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.createIndex('slots_key').on('slots').column('key_id').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('slots_key').execute();
}
