/**
 * PostgreSQL: an outbox insert wakes every listening server process by itself. A statement-level trigger
 * runs pg_notify('keywarden_outbox'), which PostgreSQL delivers at commit (never on rollback), so the
 * checkout path spends no round trip of its own on waking the event router. SQLite has one process and
 * wakes it in memory (src/notifications/wake.ts). Frozen in time.
 */
import { type Kysely, PostgresAdapter, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`
    create function keywarden_wake_outbox() returns trigger language plpgsql as $$
    begin
      perform pg_notify('keywarden_outbox', '');
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger outbox_wake after insert on outbox
    for each statement execute function keywarden_wake_outbox()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('forward-only: restore a backup instead');
}
