/**
 * Notification messages: what the dispatcher sends, one row per (event, rule, recipient, channel, step).
 * Outbox rows are events; the notification rules of the active policy turn each event into messages here
 * (in one transaction that also marks the event processed), and the sender delivers these with retries.
 * The idempotency key is unique, so re-expanding an event after a crash cannot send anything twice, and a
 * webhook carries the message id as its stable `webhook-id`. Frozen in time.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('notification_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('event_id', 'text')
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient_person_id', 'text')
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('read_at', 'text')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('notification_messages_due')
    .on('notification_messages')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('notification_messages_inbox')
    .on('notification_messages')
    .columns(['recipient_person_id', 'channel', 'created_at'])
    .execute();
  await db.schema
    .createIndex('notification_messages_event')
    .on('notification_messages')
    .column('event_id')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('forward-only: restore a backup instead');
}
