/**
 * Notification delivery in the console: the SMTP and SMS settings, webhook endpoints, the delivery log, an
 * admin's retry of a dead letter and the test message (administrators; the log also for auditors). Access is
 * declared in src/console/protect-read-routes.ts; secrets are never in an answer except a webhook's signing
 * secret, once, when it is made or rotated.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SignedInUser } from '../console/console-auth.js';
import { KeywardenError } from '../domain/errors.js';
import { decodeCursor, linkNextPage, pageQuery } from '../http/pagination.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import {
  addWebhookEndpoint,
  changeWebhookEndpoint,
  getSmsSettings,
  getSmtpSettings,
  listWebhookEndpoints,
  removeWebhookEndpoint,
  setSmsSettings,
  setSmtpSettings,
  smsSettingsInput,
  smtpSettingsInput,
  webhookChange,
  webhookInput,
} from './channel-settings.js';
import {
  createTestMessage,
  listMessages,
  retryDeadMessage,
  sendTestMessage,
} from './notification-messages.js';
import type { SenderContext } from './notification-sender.js';

export type NotificationsRouteContext = SenderContext & { publicUrl: string };

const secretShown = z.object({
  set: z.boolean(),
  hint: z.string().nullable().describe('the last four characters, e.g. …x9Qa; never the secret'),
});

const smtpView = z.object({
  host: z.string(),
  port: z.number().int(),
  security: z.enum(['tls', 'starttls', 'none']),
  user: z.string().nullable(),
  from: z.string(),
  password: secretShown,
  updatedAt: timestamp,
  updatedBy: z.string(),
});

const smsView = z.object({
  baseUrl: z.string(),
  accountSid: z.string(),
  from: z.string(),
  authToken: secretShown,
  updatedAt: timestamp,
  updatedBy: z.string(),
});

const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()).describe('empty: every event'),
  active: z.boolean(),
  secret: secretShown,
  createdAt: timestamp,
  updatedAt: timestamp,
});

const messageView = z.object({
  id: z.string().describe('also the e-mail Message-ID, the webhook-id and the SMS idempotency token'),
  eventId: z.string().nullable(),
  eventType: z.string(),
  rule: z.string().nullable(),
  channel: z.enum(['email', 'sms', 'webhook', 'in-app']),
  recipient: z.string().nullable().describe('the person, when the message is for one'),
  address: z.string().describe('e-mail address, phone number, webhook endpoint id or person id'),
  subject: z.string(),
  status: z.enum(['pending', 'sending', 'sent', 'dead']),
  attempts: z.number().int(),
  nextAttemptAt: timestamp.nullable(),
  createdAt: timestamp,
  sentAt: timestamp.nullable(),
  lastError: z.string().nullable(),
});

const idParams = z.object({ id: z.string().min(1).max(100) });

function userOf(request: FastifyRequest): SignedInUser {
  const user = request.consoleUser;
  // The access hook has authenticated every route of this plugin before it runs.
  if (!user) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  return user;
}

async function smtpAnswer(store: Store) {
  const found = await getSmtpSettings(store.db);
  return {
    smtp: found
      ? {
          ...found.settings,
          password: found.password,
          updatedAt: found.updatedAt,
          updatedBy: found.updatedBy,
        }
      : null,
  };
}

async function smsAnswer(store: Store) {
  const found = await getSmsSettings(store.db);
  return {
    sms: found
      ? {
          ...found.settings,
          authToken: found.authToken,
          updatedAt: found.updatedAt,
          updatedBy: found.updatedBy,
        }
      : null,
  };
}

export const notificationsRoutes: FastifyPluginAsyncZod<{
  store: Store;
  context: NotificationsRouteContext;
}> = async (app, { store, context }) => {
  const tags = ['notifications'];
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

  app.get(
    '/api/v1/notifications/settings/smtp',
    {
      schema: {
        tags,
        summary: 'The SMTP settings (the password only as set or not, and its last four characters)',
        response: { 200: z.object({ smtp: smtpView.nullable() }), ...errors },
      },
    },
    async () => smtpAnswer(store),
  );

  app.put(
    '/api/v1/notifications/settings/smtp',
    {
      schema: {
        tags,
        summary: 'Set the SMTP server (audited; the password is stored sealed)',
        description:
          'Leave `password` out to keep the stored one; `null` removes it. `security: none` is accepted only for a relay on this machine.',
        body: smtpSettingsInput,
        response: { 200: z.object({ smtp: smtpView.nullable() }), ...errors },
      },
    },
    async (request) => {
      const by = userOf(request).person;
      await store.db.transaction().execute((trx) => setSmtpSettings(trx, context, request.body, by));
      return smtpAnswer(store);
    },
  );

  app.get(
    '/api/v1/notifications/settings/sms',
    {
      schema: {
        tags,
        summary:
          'The SMS provider settings (the auth token only as set or not, and its last four characters)',
        response: { 200: z.object({ sms: smsView.nullable() }), ...errors },
      },
    },
    async () => smsAnswer(store),
  );

  app.put(
    '/api/v1/notifications/settings/sms',
    {
      schema: {
        tags,
        summary: 'Set the SMS provider: Twilio or an API shaped like its Messages API (audited)',
        description: 'Leave `authToken` out to keep the stored one; it is required the first time.',
        body: smsSettingsInput,
        response: { 200: z.object({ sms: smsView.nullable() }), ...errors },
      },
    },
    async (request) => {
      const by = userOf(request).person;
      await store.db.transaction().execute((trx) => setSmsSettings(trx, context, request.body, by));
      return smsAnswer(store);
    },
  );

  app.get(
    '/api/v1/notifications/webhooks',
    {
      schema: {
        tags,
        summary: 'Webhook endpoints',
        response: { 200: z.object({ webhooks: z.array(webhookView) }), ...errors },
      },
    },
    async () => ({ webhooks: await listWebhookEndpoints(store.db) }),
  );

  app.post(
    '/api/v1/notifications/webhooks',
    {
      schema: {
        tags,
        summary: 'Add a webhook endpoint; its signing secret (whsec_...) is in this answer only',
        body: webhookInput,
        response: { 201: z.object({ webhook: webhookView, secret: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const by = userOf(request).person;
      const added = await store.db
        .transaction()
        .execute((trx) => addWebhookEndpoint(trx, context, request.body, by));
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ webhook: added.endpoint, secret: added.secret });
    },
  );

  app.patch(
    '/api/v1/notifications/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Change a webhook endpoint; with rotateSecret the new secret is in this answer only',
        params: idParams,
        body: webhookChange,
        response: {
          200: z.object({ webhook: webhookView, secret: z.string().optional() }),
          404: errorSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const by = userOf(request).person;
      const changed = await store.db
        .transaction()
        .execute((trx) => changeWebhookEndpoint(trx, context, request.params.id, request.body, by));
      reply.header('cache-control', 'no-store');
      return { webhook: changed.endpoint, ...(changed.secret ? { secret: changed.secret } : {}) };
    },
  );

  app.delete(
    '/api/v1/notifications/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Remove a webhook endpoint',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const by = userOf(request).person;
      await store.db
        .transaction()
        .execute((trx) => removeWebhookEndpoint(trx, context, request.params.id, by));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/notifications/messages',
    {
      schema: {
        tags,
        summary: 'The delivery log, newest first: every message, its status, attempts and last error',
        querystring: z.object({
          status: z.enum(['pending', 'sending', 'sent', 'dead']).optional(),
          channel: z.enum(['email', 'sms', 'webhook', 'in-app']).optional(),
          eventType: z.string().max(100).optional(),
          event: z.string().max(100).optional().describe('the outbox event the messages announce'),
          ...pageQuery,
        }),
        response: {
          200: z.object({ messages: z.array(messageView), next: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { cursor, limit, ...filter } = request.query;
      const after = decodeCursor(cursor)?.[0];
      const page = await listMessages(store.db, {
        ...filter,
        limit,
        ...(typeof after === 'string' ? { after } : {}),
      });
      return { messages: page.messages, next: linkNextPage(request, reply, page.next ? [page.next] : null) };
    },
  );

  app.post(
    '/api/v1/notifications/messages/:id/retry',
    {
      schema: {
        tags,
        summary: 'Send a dead letter again: back to pending, due now, with a fresh set of attempts (audited)',
        params: idParams,
        response: { 200: z.object({ message: messageView }), 404: errorSchema, 409: errorSchema, ...errors },
      },
    },
    async (request) => {
      const by = userOf(request).person;
      const message = await store.db
        .transaction()
        .execute((trx) => retryDeadMessage(trx, context, request.params.id, by));
      return { message };
    },
  );

  app.post(
    '/api/v1/notifications/test',
    {
      schema: {
        tags,
        summary: 'Send a test message now, to an e-mail address or an E.164 phone number',
        description:
          'Answers with the outcome of the first attempt; a failed attempt is retried like any message.',
        body: z.object({ to: z.string().min(3).max(320) }),
        response: {
          200: z.object({
            message: z.string(),
            channel: z.enum(['email', 'sms']),
            status: z.enum(['pending', 'sending', 'sent', 'dead']),
            error: z.string().nullable(),
            waitingForSettings: z
              .boolean()
              .describe('the channel is not configured yet: the message waits for its settings'),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const by = userOf(request).person;
      const created = await store.db
        .transaction()
        .execute((trx) => createTestMessage(trx, context, request.body.to, by));
      return sendTestMessage(store, context, created);
    },
  );
};
