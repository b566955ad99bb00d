/**
 * Notification rules at work: templates edited per rule and channel, escalations waiting for an
 * acknowledgement, one-time acknowledgement links (SHA-256 only), acknowledgements, what the overdue
 * scheduler has done per checkout (once each), consequences fired (once each), and the timeline of each
 * incident. Frozen in time.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not depend on current types.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('notification_templates')
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text')
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_templates_pk', ['rule_id', 'channel'])
    .execute();

  await db.schema
    .createTable('notification_escalations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    // The last step sent: 0 is the rule's own recipients, 1.. the escalation steps.
    .addColumn('step', 'integer', (c) => c.notNull())
    // 'open' | 'acknowledged' | 'exhausted' | 'cancelled'
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('next_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('notification_escalations_event_rule', ['event_id', 'rule_id'])
    .execute();
  await db.schema
    .createIndex('notification_escalations_due')
    .on('notification_escalations')
    .columns(['status', 'next_at'])
    .execute();

  await db.schema
    .createTable('notification_ack_tokens')
    // SHA-256 (hex) of the token in the link: the token itself is never stored.
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema
    .createIndex('notification_ack_tokens_event')
    .on('notification_ack_tokens')
    .column('event_id')
    .execute();

  await db.schema
    .createTable('notification_acknowledgements')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    // A person id, or `email:<address>` for a recipient outside the directory.
    .addColumn('acknowledged_by', 'text', (c) => c.notNull())
    // 'link' | 'console'
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('checkout_alerts')
    .addColumn('checkout_id', 'text', (c) => c.notNull())
    // 'reminder' | 'overdue'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('checkout_alerts_pk', ['checkout_id', 'kind'])
    .execute();

  await db.schema
    .createTable('consequence_firings')
    // What makes a firing happen once: e.g. `overdue/<checkout>/<index>` or `denied/<event>/<index>`.
    .addColumn('firing_key', 'text', (c) => c.primaryKey())
    .addColumn('consequence', 'integer', (c) => c.notNull())
    .addColumn('on_event', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('event_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('consequence_firings_person')
    .on('consequence_firings')
    .columns(['consequence', 'person_id', 'at'])
    .execute();

  await db.schema
    .createTable('incident_timeline')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    // 1, 2, ... per incident: the timeline's order (several items may share an instant).
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    // 'opened' | 'event' | 'note' | 'assigned' | 'closed'
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('event_type', 'text')
    .addColumn('event_id', 'text')
    .addColumn('text', 'text')
    .execute();
  await db.schema
    .createIndex('incident_timeline_incident')
    .on('incident_timeline')
    .columns(['incident_id', 'seq'])
    .unique()
    .execute();
  await db.schema.createIndex('incidents_status').on('incidents').columns(['status', 'opened_at']).execute();
  await db.schema
    .createIndex('audit_entries_person_type')
    .on('audit_entries')
    .columns(['person_id', 'type', 'at'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('forward-only: restore a backup instead');
}
