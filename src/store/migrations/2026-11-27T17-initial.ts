/**
 * The first schema: the whole domain of DESIGN.md. Frozen in time: it uses `Kysely<any>`, not the current
 * types, so that later changes to schema.ts never change what this migration does.
 * Policy content (rules, reasons, schedules, business hours, holidays, notifications) lives in the versioned
 * policy document, not in tables of its own: it changes only by a new approved version.
 */
import { type Kysely, PostgresAdapter, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('policy_versions')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'text')
    .execute();
  // At most one active version, enforced by the database itself.
  await db.schema
    .createIndex('policy_versions_one_active')
    .on('policy_versions')
    .column('status')
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await db.schema
    .createTable('sites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cabinets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slot_count', 'integer', (c) => c.notNull())
    .addColumn('online', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_seen_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('slots')
    .addColumn('cabinet_id', 'text', (c) => c.notNull().references('cabinets.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('key_id', 'text')
    .addPrimaryKeyConstraint('slots_pk', ['cabinet_id', 'number'])
    .execute();

  await db.schema
    .createTable('key_groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sensitivity', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tag_id', 'text', (c) => c.unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull().references('key_groups.id'))
    .addColumn('cabinet_id', 'text', (c) => c.notNull().references('cabinets.id'))
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('sensitivity', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('current_checkout_id', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('keys_home_slot', ['cabinet_id', 'slot'])
    .execute();

  await db.schema
    .createTable('roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('people')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('supervisor_id', 'text', (c) => c.references('people.id'))
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('person_roles')
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('person_roles_pk', ['person_id', 'role_id'])
    .execute();

  await db.schema
    .createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('lookup', 'text')
    .addColumn('secret', 'text')
    .addColumn('data', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  // A badge number or WebAuthn credential belongs to one person while it is not revoked.
  await db.schema
    .createIndex('credentials_live_lookup')
    .on('credentials')
    .columns(['kind', 'lookup'])
    .unique()
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
  await db.schema.createIndex('credentials_person').on('credentials').column('person_id').execute();

  await db.schema
    .createTable('checkouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull().references('keys.id'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
    .addColumn('cabinet_id', 'text', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('taken_at', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text')
    .addColumn('reason', 'text')
    .addColumn('note', 'text')
    .addColumn('factors', 'text', (c) => c.notNull())
    .addColumn('approver_id', 'text')
    .addColumn('witness_id', 'text')
    .addColumn('after_hours', 'integer', (c) => c.notNull())
    .addColumn('policy_version', 'integer', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('returned_at', 'text')
    .addColumn('returned_by', 'text')
    .addColumn('return_cabinet_id', 'text')
    .addColumn('return_slot', 'integer')
    .addColumn('late', 'integer')
    .addColumn('wrong_slot', 'integer')
    .execute();
  // The last line of defence against a double checkout: one open checkout per key.
  await db.schema
    .createIndex('checkouts_one_open_per_key')
    .on('checkouts')
    .column('key_id')
    .unique()
    .where(sql.ref('status'), '=', 'open')
    .execute();
  await db.schema
    .createIndex('checkouts_person_status')
    .on('checkouts')
    .columns(['person_id', 'status'])
    .execute();
  await db.schema.createIndex('checkouts_status_due').on('checkouts').columns(['status', 'due_at']).execute();
  await db.schema.createIndex('checkouts_taken_at').on('checkouts').column('taken_at').execute();

  await db.schema
    .createTable('approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
    .addColumn('key_id', 'text', (c) => c.notNull().references('keys.id'))
    .addColumn('cabinet_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('approver_rule', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decided_by', 'text')
    .execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('key_id', 'text')
    .addColumn('checkout_id', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('resolution', 'text')
    .execute();

  await db.schema
    .createTable('audit_entries')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('person_id', 'text')
    .addColumn('key_id', 'text')
    .addColumn('cabinet_id', 'text')
    .addColumn('policy_version', 'integer')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_entries_at').on('audit_entries').column('at').execute();

  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db
    .insertInto('audit_head')
    .values({ id: 1, seq: 0, hash: '0'.repeat(64), updated_at: new Date(0).toISOString() })
    .execute();

  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('available_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('outbox_pending').on('outbox').columns(['status', 'available_at']).execute();

  await protectAuditTables(db);
}

/** The audit tables refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE), whoever asks. */
async function protectAuditTables(db: AnyDb): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    for (const table of ['audit_entries', 'audit_checkpoints']) {
      for (const action of ['update', 'delete']) {
        await sql
          .raw(
            `create trigger ${table}_no_${action} before ${action} on ${table} begin select raise(abort, '${table} is append-only'); end`,
          )
          .execute(db);
      }
    }
    return;
  }
  await sql
    .raw(
      `create or replace function keywarden_append_only() returns trigger language plpgsql as $$
       begin raise exception '% is append-only', tg_table_name using errcode = 'insufficient_privilege'; end $$`,
    )
    .execute(db);
  for (const table of ['audit_entries', 'audit_checkpoints']) {
    await sql
      .raw(
        `create trigger ${table}_no_change before update or delete on ${table} for each row execute function keywarden_append_only()`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger ${table}_no_truncate before truncate on ${table} for each statement execute function keywarden_append_only()`,
      )
      .execute(db);
  }
  // The application's role may read and append to the log but never change it. Login roles for the server
  // are made members of keywarden_app (docs/operations.md); the role is cluster-wide, so create it once.
  await sql
    .raw(
      `do $$ begin
         if not exists (select from pg_roles where rolname = 'keywarden_app') then create role keywarden_app nologin; end if;
       exception when duplicate_object or unique_violation or internal_error then null; end $$`,
    )
    .execute(db);
  await sql.raw('grant usage on schema public to keywarden_app').execute(db);
  await sql
    .raw('grant select, insert, update, delete on all tables in schema public to keywarden_app')
    .execute(db);
  await sql
    .raw('revoke update, delete, truncate on audit_entries, audit_checkpoints from keywarden_app, public')
    .execute(db);
}

export async function down(): Promise<void> {
  throw new Error('the initial schema cannot be rolled back: restore a backup instead');
}
