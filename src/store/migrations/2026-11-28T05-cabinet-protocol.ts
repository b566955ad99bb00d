/**
 * The cabinet protocol (docs/cabinet-protocol.md): what a connected cabinet last reported about itself (its
 * door, since when, whether a held-open door was announced, when an outage began, the fob tag in each slot)
 * and the slot releases sent after checkouts, each waiting for the cabinet to report the key removed, or
 * undone when it does not in time. Frozen in time.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  // One column per statement: SQLite adds one column at a time.
  await db.schema.alterTable('cabinets').addColumn('door', 'text').execute();
  await db.schema.alterTable('cabinets').addColumn('door_changed_at', 'text').execute();
  await db.schema.alterTable('cabinets').addColumn('door_alerted_at', 'text').execute();
  await db.schema.alterTable('cabinets').addColumn('offline_since', 'text').execute();
  await db.schema.alterTable('cabinets').addColumn('reported_slots', 'text').execute();

  await db.schema
    .createTable('cabinet_releases')
    .addColumn('checkout_id', 'text', (c) => c.primaryKey().references('checkouts.id'))
    .addColumn('cabinet_id', 'text', (c) => c.notNull().references('cabinets.id'))
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull().references('keys.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('until', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    // pending | not-sent | confirmed | timed-out
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute();
  await db.schema
    .createIndex('cabinet_releases_status')
    .on('cabinet_releases')
    .columns(['status', 'cabinet_id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('forward-only: restore a backup instead');
}
