/**
 * Acknowledging an event: by the one-time link in a message (the token is the authority: whoever holds
 * the link received the message) or by a console user from the inbox. The first acknowledgement is kept
 * with who and when, audited, and stops every escalation of the event; later ones change nothing.
 */
import type { Kysely, Transaction } from 'kysely';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import { hashLinkToken } from './message-writer.js';
import type { NotifyContext } from './notify-context.js';

export interface Acknowledgement {
  event: string;
  acknowledgedBy: string;
  via: 'link' | 'console';
  acknowledgedAt: string;
  /** true when someone had acknowledged the event before this request. */
  already: boolean;
}

/** Records the first acknowledgement of an event and stops its escalations. */
export async function acknowledgeEvent(
  trx: Transaction<DB>,
  context: Pick<NotifyContext, 'audit' | 'now'>,
  input: { event: string; by: string; via: 'link' | 'console' },
): Promise<Acknowledgement> {
  const at = context.now().toISOString();
  const inserted = await trx
    .insertInto('notification_acknowledgements')
    .values({ event_id: input.event, acknowledged_by: input.by, via: input.via, acknowledged_at: at })
    .onConflict((conflict) => conflict.column('event_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    const first = await trx
      .selectFrom('notification_acknowledgements')
      .selectAll()
      .where('event_id', '=', input.event)
      .executeTakeFirstOrThrow();
    return {
      event: input.event,
      acknowledgedBy: first.acknowledged_by,
      via: first.via,
      acknowledgedAt: first.acknowledged_at,
      already: true,
    };
  }
  const stopped = await trx
    .updateTable('notification_escalations')
    .set({ status: 'acknowledged', next_at: null, updated_at: at })
    .where('event_id', '=', input.event)
    .where('status', '=', 'open')
    .executeTakeFirst();
  const person = input.by.startsWith('email:') ? null : input.by;
  await context.audit.append(trx, {
    type: 'notification.acknowledged',
    at,
    actor: input.by,
    person,
    data: {
      event: input.event,
      by: input.by,
      via: input.via,
      escalationsStopped: Number(stopped.numUpdatedRows),
    },
  });
  return { event: input.event, acknowledgedBy: input.by, via: input.via, acknowledgedAt: at, already: false };
}

const TOKEN_SHAPE = /^kwa_[\w-]{43}$/;

/** What a link's page shows before the button is pressed (GET must not use the link: mail scanners fetch). */
export async function describeAckLink(
  db: Kysely<DB>,
  token: string,
): Promise<{ event: string; eventType: string; summary: string; used: boolean }> {
  const row = TOKEN_SHAPE.test(token)
    ? await db
        .selectFrom('notification_ack_tokens as t')
        .innerJoin('outbox as o', 'o.id', 't.event_id')
        .select(['t.event_id', 't.used_at', 'o.event_type'])
        .where('t.token_hash', '=', hashLinkToken(token))
        .executeTakeFirst()
    : undefined;
  if (!row) throw new KeywardenError('ack_link_invalid', 'this acknowledgement link is not valid');
  const subject = await db
    .selectFrom('notification_messages')
    .select('subject')
    .where('event_id', '=', row.event_id)
    .orderBy('created_at')
    .executeTakeFirst();
  return {
    event: row.event_id,
    eventType: row.event_type,
    summary: subject?.subject ?? row.event_type,
    used: row.used_at !== null,
  };
}

/** Acknowledges by a one-time link: works once; the event's first acknowledgement wins. */
export async function acknowledgeByLink(
  trx: Transaction<DB>,
  context: Pick<NotifyContext, 'audit' | 'now'>,
  token: string,
): Promise<Acknowledgement> {
  const hash = TOKEN_SHAPE.test(token) ? hashLinkToken(token) : null;
  const row = hash
    ? await trx
        .selectFrom('notification_ack_tokens')
        .selectAll()
        .where('token_hash', '=', hash)
        .executeTakeFirst()
    : undefined;
  if (!row || !hash) throw new KeywardenError('ack_link_invalid', 'this acknowledgement link is not valid');
  const used = await trx
    .updateTable('notification_ack_tokens')
    .set({ used_at: context.now().toISOString() })
    .where('token_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) {
    throw new KeywardenError('ack_link_used', 'this acknowledgement link was used already');
  }
  return acknowledgeEvent(trx, context, {
    event: row.event_id,
    by: row.person_id ?? `email:${row.address}`,
    via: 'link',
  });
}

/** The event (outbox row) an acknowledgement names, with the people it concerns, for access checks. */
export async function findEventForAcknowledgement(
  db: Kysely<DB>,
  event: string,
): Promise<{ id: string; person: string | null; recipients: string[] }> {
  const row = await db
    .selectFrom('outbox')
    .select(['id', 'payload'])
    .where('id', '=', event)
    .executeTakeFirst();
  if (!row) throw new KeywardenError('not_found', `there is no event "${event}"`);
  const payload = JSON.parse(row.payload) as { person?: unknown };
  const recipients = await db
    .selectFrom('notification_messages')
    .select('recipient_person_id')
    .distinct()
    .where('event_id', '=', event)
    .where('recipient_person_id', 'is not', null)
    .execute();
  return {
    id: row.id,
    person: typeof payload.person === 'string' ? payload.person : null,
    recipients: recipients.map((r) => r.recipient_person_id as string),
  };
}
