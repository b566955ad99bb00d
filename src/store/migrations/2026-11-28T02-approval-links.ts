/**
 * One-time approval links: when a terminal asks for an approval, each eligible approver gets a link of their
 * own (`/approve/<token>`). Only the SHA-256 of the token is kept, so a copy of the database opens no link;
 * a link expires with its request and works once (`used_at`). The link alone grants nothing: deciding
 * through it needs the approver's password and authenticator code as well. Frozen in time.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('approval_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('approval_id', 'text', (c) => c.notNull().references('approvals.id'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('approval_links_approval').on('approval_links').column('approval_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('forward-only: restore a backup instead');
}
