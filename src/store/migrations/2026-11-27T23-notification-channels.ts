/**
 * Notification channels: the SMTP and SMS provider settings (one row per channel) and the webhook endpoints
 * the sender delivers to. Secrets (the SMTP password, the SMS auth token, each endpoint's signing secret)
 * are stored sealed with the secrets key (src/credentials/secret-box.ts), never in clear; `secret_hint` keeps
 * the last characters, to show which secret is set without showing it. Frozen in time.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('notification_settings')
    // 'smtp' | 'sms'
    .addColumn('channel', 'text', (c) => c.primaryKey())
    // The settings without the secret, as JSON.
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text')
    .addColumn('secret_hint', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // JSON array of event types; empty means every event.
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('secret_hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('forward-only: restore a backup instead');
}
