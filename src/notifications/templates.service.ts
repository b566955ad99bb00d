/**
 * Message templates edited per notification rule and channel (notification_templates); a rule and channel
 * without one uses the built-in default of src/domain/notifications/template.ts. Each change is audited
 * with the template text (templates hold no secrets).
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import {
  defaultTemplate,
  type MessageTemplate,
  unknownPlaceholders,
} from '../domain/notifications/template.js';
import type { DB, NotificationChannel } from '../store/schema.js';

export interface StoredTemplate extends MessageTemplate {
  rule: string;
  channel: NotificationChannel;
  /** false: the built-in default (nothing stored). */
  custom: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** The template a rule's messages on a channel use now. */
export async function findTemplate(
  db: Kysely<DB>,
  rule: string,
  channel: NotificationChannel,
): Promise<StoredTemplate> {
  const row = await db
    .selectFrom('notification_templates')
    .selectAll()
    .where('rule_id', '=', rule)
    .where('channel', '=', channel)
    .executeTakeFirst();
  if (!row)
    return { rule, channel, custom: false, updatedBy: null, updatedAt: null, ...defaultTemplate(channel) };
  return {
    rule,
    channel,
    custom: true,
    subject: row.subject,
    text: row.body_text,
    html: row.body_html,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/** Refuses a template that uses a placeholder outside the fixed list (names them all). */
export function checkTemplate(template: MessageTemplate): void {
  const unknown = [
    ...new Set([
      ...unknownPlaceholders(template.subject),
      ...unknownPlaceholders(template.text),
      ...unknownPlaceholders(template.html ?? ''),
    ]),
  ];
  if (unknown.length > 0) {
    throw new KeywardenError(
      'invalid_request',
      `unknown placeholders: ${unknown.join(', ')} (see docs/notifications.md for the list)`,
      { unknown },
    );
  }
}

export interface TemplateContext {
  audit: AuditLog;
  now: () => Date;
}

/** Stores (or replaces) the template of a rule and channel. */
export async function saveTemplate(
  trx: Transaction<DB>,
  context: TemplateContext,
  input: { rule: string; channel: NotificationChannel; template: MessageTemplate; by: string },
): Promise<StoredTemplate> {
  checkTemplate(input.template);
  const at = context.now().toISOString();
  const values = {
    subject: input.template.subject,
    body_text: input.template.text,
    body_html: input.template.html,
    updated_by: input.by,
    updated_at: at,
  };
  await trx
    .insertInto('notification_templates')
    .values({ rule_id: input.rule, channel: input.channel, ...values })
    .onConflict((conflict) => conflict.columns(['rule_id', 'channel']).doUpdateSet(values))
    .execute();
  await context.audit.append(trx, {
    type: 'notification.template-saved',
    at,
    actor: input.by,
    data: { rule: input.rule, channel: input.channel, ...input.template },
  });
  return findTemplate(trx, input.rule, input.channel);
}

/** Removes an edited template: the rule's messages on that channel use the default again. */
export async function deleteTemplate(
  trx: Transaction<DB>,
  context: TemplateContext,
  input: { rule: string; channel: NotificationChannel; by: string },
): Promise<StoredTemplate> {
  const result = await trx
    .deleteFrom('notification_templates')
    .where('rule_id', '=', input.rule)
    .where('channel', '=', input.channel)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) {
    throw new KeywardenError(
      'not_found',
      `rule "${input.rule}" has no edited ${input.channel} template (it uses the default)`,
    );
  }
  await context.audit.append(trx, {
    type: 'notification.template-deleted',
    at: context.now().toISOString(),
    actor: input.by,
    data: { rule: input.rule, channel: input.channel },
  });
  return findTemplate(trx, input.rule, input.channel);
}
