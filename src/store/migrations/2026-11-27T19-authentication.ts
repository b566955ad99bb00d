/**
 * Authentication at the cabinet: cabinet tokens, terminal sessions, per-person lockout state, WebAuthn
 * challenges, and a counter on credentials (the last TOTP time step used, so each code works once; the
 * WebAuthn signature counter). Frozen in time.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('credentials').addColumn('counter', 'integer').execute();

  await db.schema
    .createTable('cabinet_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('cabinet_id', 'text', (c) => c.notNull().references('cabinets.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('terminal_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('cabinet_id', 'text', (c) => c.notNull().references('cabinets.id'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
    .addColumn('factors', 'text', (c) => c.notNull())
    .addColumn('witness_id', 'text')
    .addColumn('witness_factors', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_active_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('end_reason', 'text')
    .execute();
  await db.schema
    .createIndex('terminal_sessions_person')
    .on('terminal_sessions')
    .column('person_id')
    .execute();

  await db.schema
    .createTable('factor_lockouts')
    .addColumn('person_id', 'text', (c) => c.primaryKey().references('people.id').onDelete('cascade'))
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('lockouts', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text')
    .addColumn('session_id', 'text')
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('challenge', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();

  await db.schema.alterTable('approvals').addColumn('session_id', 'text').execute();
  await db.schema.alterTable('approvals').addColumn('link_token_hash', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('forward-only: restore a backup instead');
}
