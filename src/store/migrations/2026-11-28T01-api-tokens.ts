/**
 * API tokens for integrations: a token is 256 random bits shown once; only its SHA-256 is kept (a secret that
 * long needs no slow hash, and a hash can be looked up). `prefix` is the token's first characters, enough to
 * recognise it in a list. `roles` is a JSON list of console roles. Console passkeys need no new table: they
 * are credentials of kind 'passkey' and their challenges live in webauthn_challenges. Frozen in time.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('forward-only: restore a backup instead');
}
