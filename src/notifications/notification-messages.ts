/**
 * Reading and steering notification messages: the delivery log (filters, pages), an admin's retry of a
 * dead letter, the test message, and each console user's in-app inbox.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import { E164 } from '../domain/notifications/delivery-policy.js';
import type { Store } from '../store/database.js';
import { newId } from '../store/ids.js';
import type { DB, NotificationChannel } from '../store/schema.js';
import { type MessageRow, NotificationSender, type SenderContext } from './notification-sender.js';
import { WAKE_CHANNELS, wakeOnCommit } from './wake.js';

export type MessageStatus = MessageRow['status'];

/** A message as the delivery log shows it. */
export interface MessageView {
  id: string;
  eventId: string | null;
  eventType: string;
  rule: string | null;
  channel: NotificationChannel;
  recipient: string | null;
  address: string;
  subject: string;
  status: MessageStatus;
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
  lastError: string | null;
}

/** A message as its recipient's inbox shows it. */
export interface InboxMessage {
  id: string;
  /** The outbox event it announces (to acknowledge it); null for a test message. */
  event: string | null;
  eventType: string;
  subject: string;
  text: string;
  createdAt: string;
  readAt: string | null;
}

export function toMessageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    rule: row.rule_id,
    channel: row.channel,
    recipient: row.recipient_person_id,
    address: row.address,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' || row.status === 'sending' ? row.next_attempt_at : null,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    lastError: row.last_error,
  };
}

export interface MessageFilter {
  status?: MessageStatus;
  channel?: NotificationChannel;
  eventType?: string;
  event?: string;
  limit: number;
  /** The id of the last message of the previous page (ids are time-ordered UUIDv7). */
  after?: string;
}

/** The delivery log, newest first; `next` is the id to continue after, or null. */
export async function listMessages(
  db: Kysely<DB>,
  filter: MessageFilter,
): Promise<{ messages: MessageView[]; next: string | null }> {
  let query = db
    .selectFrom('notification_messages')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.channel) query = query.where('channel', '=', filter.channel);
  if (filter.eventType) query = query.where('event_type', '=', filter.eventType);
  if (filter.event) query = query.where('event_id', '=', filter.event);
  if (filter.after) query = query.where('id', '<', filter.after);
  const rows = await query.execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return { messages: page.map(toMessageView), next: rows.length > filter.limit && last ? last.id : null };
}

export async function findMessage(db: Kysely<DB>, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('notification_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Puts a dead letter back in the queue, due now, with a fresh set of attempts (audited), and wakes the
 * sender once the transaction commits.
 */
export async function retryDeadMessage(
  trx: Transaction<DB>,
  context: { audit: AuditLog; now: () => Date },
  id: string,
  by: string,
): Promise<MessageView> {
  const at = context.now().toISOString();
  const row = await trx
    .updateTable('notification_messages')
    .set({ status: 'pending', attempts: 0, next_attempt_at: at })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    const existing = await findMessage(trx, id);
    if (!existing) throw new KeywardenError('not_found', `no notification message ${id}`);
    throw new KeywardenError(
      'message_not_dead',
      `message ${id} is ${existing.status}: only a dead letter can be retried`,
    );
  }
  await context.audit.append(trx, {
    type: 'notification.retried',
    at,
    actor: by,
    person: row.recipient_person_id,
    data: { message: id, channel: row.channel, to: row.address, lastError: row.last_error },
  });
  await wakeOnCommit(trx, WAKE_CHANNELS.messages);
  return toMessageView(row);
}

/** The channel a test message to `to` goes over: e-mail for an address with @, SMS for an E.164 number. */
export function testChannelOf(to: string): 'email' | 'sms' {
  if (E164.test(to)) return 'sms';
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to) || /^[^\s@]+@localhost$/.test(to)) return 'email';
  throw new KeywardenError(
    'invalid_request',
    `"${to}" is neither an e-mail address nor an E.164 phone number (such as +15551234567)`,
  );
}

/**
 * Writes a test message to `to` (audited) and returns its id; the caller commits and then sends it at once
 * with NotificationSender.sendNow. Should that attempt fail, it is retried like any other message.
 */
export async function createTestMessage(
  trx: Transaction<DB>,
  context: { audit: AuditLog; now: () => Date; publicUrl: string },
  to: string,
  by: string,
): Promise<{ id: string; channel: 'email' | 'sms' }> {
  const channel = testChannelOf(to);
  const now = context.now();
  const at = now.toISOString();
  const id = newId(now.getTime());
  const text = `This is a test message from Keywarden (${context.publicUrl}), sent by ${by} at ${at}. If you can read it, ${channel === 'email' ? 'e-mail' : 'SMS'} delivery works.`;
  await trx
    .insertInto('notification_messages')
    .values({
      id,
      idempotency_key: `test:${id}`,
      event_id: null,
      event_type: 'test',
      rule_id: 'system:test',
      channel,
      recipient_person_id: null,
      address: to,
      subject: 'Keywarden test message',
      body_text: text,
      body_html:
        channel === 'email'
          ? `<p>This is a <strong>test message</strong> from <a href="${escapeHtml(context.publicUrl)}">Keywarden</a>, sent by ${escapeHtml(by)} at ${at}.</p><p>If you can read it, e-mail delivery works.</p>`
          : null,
      payload: JSON.stringify({ type: 'test', timestamp: at, data: { by } }),
      status: 'pending',
      attempts: 0,
      next_attempt_at: at,
      created_at: at,
    })
    .execute();
  await context.audit.append(trx, {
    type: 'notification.test-requested',
    at,
    actor: by,
    data: { message: id, channel, to },
  });
  return { id, channel };
}

/** Sends a just-written test message at once and says how it went. */
export async function sendTestMessage(
  store: Pick<Store, 'db'>,
  context: SenderContext,
  created: { id: string; channel: 'email' | 'sms' },
): Promise<{
  message: string;
  channel: 'email' | 'sms';
  status: 'pending' | 'sending' | 'sent' | 'dead';
  error: string | null;
  /** The channel has no settings: the message waits for them (no attempt was counted). */
  waitingForSettings: boolean;
}> {
  const result = await new NotificationSender(store.db, context).sendNow(created.id);
  // A message held for missing settings is pending (the error says why).
  const status = !result ? 'sending' : result.step.status === 'held' ? 'pending' : result.step.status;
  const error = result && result.outcome.kind !== 'delivered' ? result.outcome.error : null;
  const waitingForSettings = result?.step.status === 'held';
  return { message: created.id, channel: created.channel, status, error, waitingForSettings };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---- In-app inbox ------------------------------------------------------------------------------------------

/** A person's in-app messages that have been delivered, newest first. */
export async function listInbox(
  db: Kysely<DB>,
  person: string,
  options: { unreadOnly?: boolean; limit: number; after?: string },
): Promise<{ messages: InboxMessage[]; unread: number; next: string | null }> {
  let query = db
    .selectFrom('notification_messages')
    .selectAll()
    .where('recipient_person_id', '=', person)
    .where('channel', '=', 'in-app')
    .where('status', '=', 'sent')
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  if (options.unreadOnly) query = query.where('read_at', 'is', null);
  if (options.after) query = query.where('id', '<', options.after);
  const rows = await query.execute();
  const unread = await db
    .selectFrom('notification_messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('recipient_person_id', '=', person)
    .where('channel', '=', 'in-app')
    .where('status', '=', 'sent')
    .where('read_at', 'is', null)
    .executeTakeFirst();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    messages: page.map((row) => ({
      id: row.id,
      event: row.event_id,
      eventType: row.event_type,
      subject: row.subject,
      text: row.body_text,
      createdAt: row.created_at,
      readAt: row.read_at,
    })),
    unread: Number(unread?.n ?? 0),
    next: rows.length > options.limit && last ? last.id : null,
  };
}

/** Marks one of the person's own inbox messages read (once; reading again changes nothing). */
export async function markInboxRead(
  trx: Transaction<DB>,
  context: { audit: AuditLog; now: () => Date },
  person: string,
  id: string,
): Promise<{ readAt: string }> {
  const row = await trx
    .selectFrom('notification_messages')
    .select(['id', 'read_at', 'status'])
    .where('id', '=', id)
    .where('recipient_person_id', '=', person)
    .where('channel', '=', 'in-app')
    .executeTakeFirst();
  // Another person's message answers as if it did not exist.
  if (row?.status !== 'sent') throw new KeywardenError('not_found', `no message ${id} in your inbox`);
  if (row.read_at) return { readAt: row.read_at };
  const at = context.now().toISOString();
  await trx.updateTable('notification_messages').set({ read_at: at }).where('id', '=', id).execute();
  await context.audit.append(trx, {
    type: 'notification.read',
    at,
    actor: person,
    person,
    data: { message: id },
  });
  return { readAt: at };
}
