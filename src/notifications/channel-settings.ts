/**
 * The notification channels' settings: the SMTP server, the SMS provider (Twilio's Messages API or one
 * shaped like it) and the webhook endpoints. Secrets (SMTP password, SMS auth token, webhook signing
 * secrets) are sealed with the secrets key and never given back: readers see whether one is set and its
 * last four characters. A webhook secret is generated here and shown once, when it is made.
 *
 * Every change is audited in the caller's transaction, without the secret. The Zod schemas here validate
 * both the console's requests and the CLI's options.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { SecretSealer } from '../credentials/credentials.service.js';
import { KeywardenError } from '../domain/errors.js';
import {
  E164,
  isLoopbackHost,
  secretHint,
  subscribesTo,
  urlProblem,
  WAITING_FOR_SETTINGS,
} from '../domain/notifications/delivery-policy.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';
import { WAKE_CHANNELS, wakeOnCommit } from './wake.js';

export interface ChannelSettingsContext {
  audit: AuditLog;
  now: () => Date;
  secrets: SecretSealer;
}

export const DEFAULT_SMS_BASE_URL = 'https://api.twilio.com';

const httpUrl = z
  .string()
  .max(2000)
  .superRefine((value, ctx) => {
    const problem = urlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `the URL ${problem}` });
  });

export const smtpSettingsInput = z
  .object({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    security: z
      .enum(['tls', 'starttls', 'none'])
      .describe(
        'tls: TLS from the start (port 465); starttls: upgrade and require it (587); none: loopback only',
      ),
    user: z.string().min(1).max(320).nullable().default(null),
    /** Absent: keep the stored password; null: remove it; a string: the new one. */
    password: z.string().min(1).max(1000).nullable().optional(),
    from: z.email().max(320),
  })
  .superRefine((value, ctx) => {
    if (value.security === 'none' && !isLoopbackHost(value.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['security'],
        message: 'unencrypted SMTP is allowed only to a relay on this machine (localhost)',
      });
    }
  });
export type SmtpSettingsInput = z.input<typeof smtpSettingsInput>;

export const smsSettingsInput = z.object({
  baseUrl: httpUrl.default(DEFAULT_SMS_BASE_URL),
  accountSid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only'),
  /** Absent: keep the stored token; a string: the new one. */
  authToken: z.string().min(1).max(1000).optional(),
  from: z.string().regex(E164, 'an E.164 phone number, such as +15551234567'),
});
export type SmsSettingsInput = z.input<typeof smsSettingsInput>;

const eventTypes = z
  .array(z.string().regex(/^[a-z0-9][a-z0-9.:-]{0,99}$/, 'an event type such as checkout or overdue'))
  .max(100);

export const webhookInput = z.object({
  url: httpUrl,
  description: z.string().max(500).default(''),
  eventTypes: eventTypes.default([]).describe('the event types to send; empty: every event'),
  active: z.boolean().default(true),
});
export type WebhookInput = z.input<typeof webhookInput>;

export const webhookChange = z.object({
  url: httpUrl.optional(),
  description: z.string().max(500).optional(),
  eventTypes: eventTypes.optional(),
  active: z.boolean().optional(),
  rotateSecret: z.boolean().optional().describe('make a new signing secret (shown once in the answer)'),
});
export type WebhookChange = z.input<typeof webhookChange>;

export interface SmtpSettings {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  user: string | null;
  from: string;
}

export interface SmsSettings {
  baseUrl: string;
  accountSid: string;
  from: string;
}

/** What a reader sees of a secret. */
export interface SecretShown {
  set: boolean;
  /** The last four characters, e.g. `…x9Qa`. */
  hint: string | null;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  active: boolean;
  secret: SecretShown;
  createdAt: string;
  updatedAt: string;
}

function validate<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new KeywardenError(
    'invalid_request',
    `invalid settings: ${problems.map((p) => `${p.path || 'value'}: ${p.message}`).join('; ')}`,
    { problems },
  );
}

const settingContext = (channel: 'smtp' | 'sms') => `notification-settings:${channel}`;
const webhookContext = (id: string) => `webhook-endpoint:${id}`;

// ---- SMTP and SMS ------------------------------------------------------------------------------------------

async function readSetting(db: Kysely<DB>, channel: 'smtp' | 'sms') {
  return db.selectFrom('notification_settings').selectAll().where('channel', '=', channel).executeTakeFirst();
}

/** The SMTP settings and whether a password is set, or null when SMTP is not configured. */
export async function getSmtpSettings(
  db: Kysely<DB>,
): Promise<{ settings: SmtpSettings; password: SecretShown; updatedAt: string; updatedBy: string } | null> {
  const row = await readSetting(db, 'smtp');
  if (!row) return null;
  return {
    settings: JSON.parse(row.config) as SmtpSettings,
    password: { set: row.secret_sealed !== null, hint: row.secret_hint },
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/** The SMS settings and whether an auth token is set, or null when SMS is not configured. */
export async function getSmsSettings(
  db: Kysely<DB>,
): Promise<{ settings: SmsSettings; authToken: SecretShown; updatedAt: string; updatedBy: string } | null> {
  const row = await readSetting(db, 'sms');
  if (!row) return null;
  return {
    settings: JSON.parse(row.config) as SmsSettings,
    authToken: { set: row.secret_sealed !== null, hint: row.secret_hint },
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

async function saveSetting(
  trx: Transaction<DB>,
  context: ChannelSettingsContext,
  channel: 'smtp' | 'sms',
  config: SmtpSettings | SmsSettings,
  secret: string | null | undefined,
  by: string,
): Promise<void> {
  const at = context.now().toISOString();
  const existing = await readSetting(trx, channel);
  let sealed = existing?.secret_sealed ?? null;
  let hint = existing?.secret_hint ?? null;
  if (secret === null) {
    sealed = null;
    hint = null;
  } else if (secret !== undefined) {
    sealed = context.secrets.seal(Buffer.from(secret, 'utf8'), settingContext(channel));
    hint = secretHint(secret);
  }
  const values = {
    config: JSON.stringify(config),
    secret_sealed: sealed,
    secret_hint: hint,
    updated_at: at,
    updated_by: by,
  };
  if (existing) {
    await trx.updateTable('notification_settings').set(values).where('channel', '=', channel).execute();
  } else {
    await trx
      .insertInto('notification_settings')
      .values({ channel, ...values })
      .execute();
  }
  await context.audit.append(trx, {
    type: `notification.${channel}-settings-changed`,
    at,
    actor: by,
    data: {
      ...config,
      secret: secret === undefined ? 'unchanged' : secret === null ? 'removed' : 'replaced',
    },
  });
}

/** Stores the SMTP settings (audited); the password is sealed. */
export async function setSmtpSettings(
  trx: Transaction<DB>,
  context: ChannelSettingsContext,
  input: SmtpSettingsInput,
  by: string,
): Promise<void> {
  const { password, ...settings } = validate(smtpSettingsInput, input);
  await saveSetting(trx, context, 'smtp', settings, password, by);
  await releaseHeldMessages(trx, 'email', context.now());
}

/** Stores the SMS provider settings (audited); the auth token is sealed and required the first time. */
export async function setSmsSettings(
  trx: Transaction<DB>,
  context: ChannelSettingsContext,
  input: SmsSettingsInput,
  by: string,
): Promise<void> {
  const { authToken, ...settings } = validate(smsSettingsInput, input);
  if (authToken === undefined && !(await readSetting(trx, 'sms'))?.secret_sealed) {
    throw new KeywardenError('invalid_request', 'the SMS provider needs an auth token');
  }
  settings.baseUrl = settings.baseUrl.replace(/\/+$/, '');
  await saveSetting(trx, context, 'sms', settings, authToken, by);
  await releaseHeldMessages(trx, 'sms', context.now());
}

/** Messages that waited for this channel's settings are due now; the sender is woken on commit. */
async function releaseHeldMessages(trx: Transaction<DB>, channel: 'email' | 'sms', now: Date): Promise<void> {
  await trx
    .updateTable('notification_messages')
    .set({ next_attempt_at: now.toISOString() })
    .where('status', '=', 'pending')
    .where('channel', '=', channel)
    .where('last_error', 'like', `${WAITING_FOR_SETTINGS}:%`)
    .execute();
  await wakeOnCommit(trx, WAKE_CHANNELS.messages);
}

/** The SMTP settings with the password opened, for the sender only. */
export async function loadSmtpForSending(
  db: Kysely<DB>,
  secrets: SecretSealer,
): Promise<(SmtpSettings & { password: string | null }) | null> {
  const row = await readSetting(db, 'smtp');
  if (!row) return null;
  const password = row.secret_sealed
    ? secrets.open(row.secret_sealed, settingContext('smtp')).toString('utf8')
    : null;
  return { ...(JSON.parse(row.config) as SmtpSettings), password };
}

/** The SMS settings with the auth token opened, for the sender only. */
export async function loadSmsForSending(
  db: Kysely<DB>,
  secrets: SecretSealer,
): Promise<(SmsSettings & { authToken: string }) | null> {
  const row = await readSetting(db, 'sms');
  if (!row?.secret_sealed) return null;
  const authToken = secrets.open(row.secret_sealed, settingContext('sms')).toString('utf8');
  return { ...(JSON.parse(row.config) as SmsSettings), authToken };
}

// ---- Webhook endpoints -------------------------------------------------------------------------------------

type WebhookRow = Awaited<ReturnType<typeof findWebhookRow>>;

function findWebhookRow(db: Kysely<DB>, id: string) {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

function toEndpoint(row: NonNullable<WebhookRow>): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: JSON.parse(row.event_types) as string[],
    active: row.active === 1,
    secret: { set: true, hint: row.secret_hint },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A new Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Every webhook endpoint, oldest first. */
export async function listWebhookEndpoints(db: Kysely<DB>): Promise<WebhookEndpoint[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toEndpoint);
}

export async function findWebhookEndpoint(db: Kysely<DB>, id: string): Promise<WebhookEndpoint | null> {
  const row = await findWebhookRow(db, id);
  return row ? toEndpoint(row) : null;
}

/**
 * The ids of the active endpoints that subscribe to `eventType`: the addresses of an event's webhook
 * messages (for the event router).
 */
export async function webhookEndpointsFor(db: Kysely<DB>, eventType: string): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'event_types'])
    .where('active', '=', 1)
    .orderBy('id')
    .execute();
  return rows
    .filter((row) => subscribesTo(JSON.parse(row.event_types) as string[], eventType))
    .map((row) => row.id);
}

/** Adds an endpoint with a new signing secret, returned here once and never again. */
export async function addWebhookEndpoint(
  trx: Transaction<DB>,
  context: ChannelSettingsContext,
  input: WebhookInput,
  by: string,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const valid = validate(webhookInput, input);
  const at = context.now().toISOString();
  const id = `wh-${newId(context.now().getTime()).slice(-12)}`;
  const secret = newWebhookSecret();
  await trx
    .insertInto('webhook_endpoints')
    .values({
      id,
      url: valid.url,
      description: valid.description,
      event_types: JSON.stringify(valid.eventTypes),
      active: valid.active ? 1 : 0,
      secret_sealed: context.secrets.seal(Buffer.from(secret, 'utf8'), webhookContext(id)),
      secret_hint: secretHint(secret),
      created_at: at,
      updated_at: at,
    })
    .execute();
  await context.audit.append(trx, {
    type: 'notification.webhook-added',
    at,
    actor: by,
    data: { endpoint: id, url: valid.url, eventTypes: valid.eventTypes, active: valid.active },
  });
  return { endpoint: toEndpoint((await findWebhookRow(trx, id)) as NonNullable<WebhookRow>), secret };
}

/** Changes an endpoint; with rotateSecret, returns the new secret (once). */
export async function changeWebhookEndpoint(
  trx: Transaction<DB>,
  context: ChannelSettingsContext,
  id: string,
  change: WebhookChange,
  by: string,
): Promise<{ endpoint: WebhookEndpoint; secret?: string }> {
  const valid = validate(webhookChange, change);
  const row = await findWebhookRow(trx, id);
  if (!row) throw new KeywardenError('not_found', `no webhook endpoint ${id}`);
  const at = context.now().toISOString();
  const secret = valid.rotateSecret ? newWebhookSecret() : undefined;
  await trx
    .updateTable('webhook_endpoints')
    .set({
      ...(valid.url !== undefined ? { url: valid.url } : {}),
      ...(valid.description !== undefined ? { description: valid.description } : {}),
      ...(valid.eventTypes !== undefined ? { event_types: JSON.stringify(valid.eventTypes) } : {}),
      ...(valid.active !== undefined ? { active: valid.active ? 1 : 0 } : {}),
      ...(secret
        ? {
            secret_sealed: context.secrets.seal(Buffer.from(secret, 'utf8'), webhookContext(id)),
            secret_hint: secretHint(secret),
          }
        : {}),
      updated_at: at,
    })
    .where('id', '=', id)
    .execute();
  const { rotateSecret, ...changed } = valid;
  await context.audit.append(trx, {
    type: 'notification.webhook-changed',
    at,
    actor: by,
    data: { endpoint: id, ...changed, secretRotated: rotateSecret === true },
  });
  const endpoint = toEndpoint((await findWebhookRow(trx, id)) as NonNullable<WebhookRow>);
  return secret ? { endpoint, secret } : { endpoint };
}

/** Removes an endpoint; messages still addressed to it go dead with "no such endpoint". */
export async function removeWebhookEndpoint(
  trx: Transaction<DB>,
  context: ChannelSettingsContext,
  id: string,
  by: string,
): Promise<void> {
  const removed = await trx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0)
    throw new KeywardenError('not_found', `no webhook endpoint ${id}`);
  await context.audit.append(trx, {
    type: 'notification.webhook-removed',
    at: context.now().toISOString(),
    actor: by,
    data: { endpoint: id },
  });
}

/** An endpoint with its signing secret opened, for the sender only. */
export async function loadWebhookForSending(
  db: Kysely<DB>,
  secrets: SecretSealer,
  id: string,
): Promise<{ url: string; eventTypes: string[]; active: boolean; secret: string } | null> {
  const row = await findWebhookRow(db, id);
  if (!row) return null;
  return {
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as string[],
    active: row.active === 1,
    secret: secrets.open(row.secret_sealed, webhookContext(id)).toString('utf8'),
  };
}
