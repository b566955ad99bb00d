/**
 * Writes the messages of one (event, rule, step): one row per recipient and channel in
 * notification_messages, rendered from the rule's template, with the recipient's own one-time links. The
 * idempotency key `${event}/${rule}/${step}/${channel}/${address}` is unique, and rows are inserted with
 * ON CONFLICT DO NOTHING, so writing the same step again after a crash adds nothing. Recipients without an
 * address on a channel are returned as skips for the caller to audit.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { EventFacts, TemplateVariable } from '../domain/notifications/event-facts.js';
import {
  addressOf,
  type Channel,
  type Recipient,
  type RecipientSkip,
} from '../domain/notifications/recipients.js';
import { renderTemplate } from '../domain/notifications/template.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';
import { findTemplate, type StoredTemplate } from './templates.service.js';
import { WAKE_CHANNELS, wakeOnCommit } from './wake.js';

export interface MessagePlan {
  facts: EventFacts;
  /** The policy's notification rule id, or e.g. `consequence:1`, `system:reminder`. */
  ruleId: string;
  step: number;
  channels: readonly Channel[];
  recipients: readonly Recipient[];
  /** Give each recipient a one-time acknowledgement link (rules that escalate). */
  acknowledge: boolean;
  escalationNote?: string;
}

export interface WrittenMessages {
  written: number;
  skipped: RecipientSkip[];
}

export interface MessageContext {
  now: () => Date;
  publicUrl: string;
}

/** SHA-256 (hex) of a link token: what is stored, so a database copy opens no link. */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The webhook body: `{ type, timestamp, data }`, the event enriched, without anyone's one-time links. */
export function webhookPayload(facts: EventFacts): string {
  const v = facts.values;
  return JSON.stringify({
    type: facts.event.type,
    timestamp: facts.event.at,
    data: {
      id: facts.event.id,
      ...facts.publicData,
      personName: v['person.name'] || null,
      keyLabel: v['key.label'] || null,
      cabinetName: v['cabinet.name'] || null,
      site: facts.siteId,
      siteName: v['site.name'] || null,
      timezone: v['event.zone'],
      localTime: v['event.time'],
      sensitivity: facts.sensitivity,
      afterHours: facts.afterHours,
    },
  });
}

export async function writeMessages(
  trx: Transaction<DB>,
  context: MessageContext,
  plan: MessagePlan,
): Promise<WrittenMessages> {
  const at = context.now().toISOString();
  const { facts } = plan;
  const payload = webhookPayload(facts);
  const skipped: RecipientSkip[] = [];
  const templates = new Map<Channel, StoredTemplate>();
  const templateOf = async (channel: Channel) => {
    let template = templates.get(channel);
    if (!template) {
      template = await findTemplate(trx, plan.ruleId, channel);
      templates.set(channel, template);
    }
    return template;
  };
  const ackLinks = new Map<Recipient, string>();
  const ackLinkOf = async (recipient: Recipient, address: string): Promise<string> => {
    const known = ackLinks.get(recipient);
    if (known) return known;
    const token = `kwa_${randomBytes(32).toString('base64url')}`;
    await trx
      .insertInto('notification_ack_tokens')
      .values({
        token_hash: hashLinkToken(token),
        event_id: facts.event.id,
        person_id: recipient.kind === 'person' ? recipient.person.id : null,
        address,
        created_at: at,
        used_at: null,
      })
      .execute();
    const link = `${context.publicUrl}/ack/${token}`;
    ackLinks.set(recipient, link);
    return link;
  };

  let written = 0;
  const insert = async (row: {
    channel: Channel;
    address: string;
    person: string | null;
    values: Partial<Record<TemplateVariable, string>>;
  }) => {
    const rendered = renderTemplate(await templateOf(row.channel), row.values);
    const result = await trx
      .insertInto('notification_messages')
      .values({
        id: newId(Date.parse(at)),
        idempotency_key: `${facts.event.id}/${plan.ruleId}/${plan.step}/${row.channel}/${row.address}`,
        event_id: facts.event.id,
        event_type: facts.event.type,
        rule_id: plan.ruleId,
        channel: row.channel,
        recipient_person_id: row.person,
        address: row.address,
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: row.channel === 'email' ? rendered.html : null,
        payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: at,
        created_at: at,
        sent_at: null,
        read_at: null,
        last_error: null,
      })
      .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
      .executeTakeFirst();
    written += Number(result.numInsertedOrUpdatedRows ?? 0);
  };

  const base = {
    ...facts.values,
    'rule.id': plan.ruleId,
    'escalation.note': plan.escalationNote ?? '',
  };
  for (const channel of plan.channels) {
    if (channel === 'webhook') {
      // Webhooks go to the endpoints that take this event type, whoever the rule names.
      const endpoints = await trx
        .selectFrom('webhook_endpoints')
        .select(['id', 'event_types'])
        .where('active', '=', 1)
        .execute();
      for (const endpoint of endpoints) {
        const types = JSON.parse(endpoint.event_types) as string[];
        if (types.length > 0 && !types.includes(facts.event.type)) continue;
        await insert({ channel, address: endpoint.id, person: null, values: base });
      }
      continue;
    }
    for (const recipient of plan.recipients) {
      const address = addressOf(recipient, channel);
      const person = recipient.kind === 'person' ? recipient.person : null;
      if (address === null) {
        skipped.push({
          spec: recipient.spec,
          ...(person ? { person: person.id } : {}),
          reason: `no ${channel === 'sms' ? 'phone number' : `${channel} address`}`,
        });
        continue;
      }
      const values: Partial<Record<TemplateVariable, string>> = {
        ...base,
        'recipient.name': person?.name ?? address,
        'approve.link': person ? (facts.approveLinks[person.id] ?? '') : '',
        'ack.link': plan.acknowledge ? await ackLinkOf(recipient, address) : '',
      };
      await insert({ channel, address, person: person?.id ?? null, values });
    }
  }
  if (written > 0) await wakeOnCommit(trx, WAKE_CHANNELS.messages);
  return { written, skipped };
}
