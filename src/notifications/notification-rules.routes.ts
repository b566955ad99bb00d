/**
 * Notification rules in the console: message templates per rule and channel (read, edit, reset to the
 * default, preview on a sample event) and acknowledging an event from the inbox. Editing templates is for
 * administrators; acknowledging for those who manage keys and for supervisors over their own team's events
 * or events they were sent.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SignedInUser } from '../console/console-auth.js';
import { onlyOverTeam } from '../domain/console/console-roles.js';
import { KeywardenError } from '../domain/errors.js';
import { sampleValues } from '../domain/notifications/sample-event.js';
import { renderTemplate } from '../domain/notifications/template.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { acknowledgeEvent, findEventForAcknowledgement } from './acknowledgements.service.js';
import {
  checkTemplate,
  deleteTemplate,
  findTemplate,
  saveTemplate,
  type TemplateContext,
} from './templates.service.js';

const CHANNELS = ['email', 'sms', 'webhook', 'in-app'] as const;
/** A policy rule id, or `consequence:<n>` / `system:reminder` for the messages those write. */
const ruleId = z
  .string()
  .regex(/^(?:[a-z0-9][a-z0-9-]*|consequence:\d+|system:reminder)$/, 'must be a notification rule id');
const templateParams = z.object({ rule: ruleId, channel: z.enum(CHANNELS) });

const templateBody = z.object({
  subject: z.string().trim().min(1).max(300),
  text: z.string().min(1).max(20_000),
  html: z.string().max(50_000).nullable().default(null),
});

const templateSchema = z.object({
  rule: z.string(),
  channel: z.enum(CHANNELS),
  custom: z.boolean().describe('false: the built-in default (nothing edited)'),
  subject: z.string(),
  text: z.string(),
  html: z.string().nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: timestamp.nullable(),
});

const acknowledgementSchema = z.object({
  event: z.string(),
  acknowledgedBy: z.string(),
  via: z.enum(['link', 'console']),
  acknowledgedAt: timestamp,
  already: z.boolean().describe('true: someone had acknowledged it before'),
});

function signedIn(request: { consoleUser?: SignedInUser }): SignedInUser {
  // The root onRequest hook (protect-read-routes.ts) authenticated every request that gets here.
  if (!request.consoleUser) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  return request.consoleUser;
}

export const notificationRulesRoutes: FastifyPluginAsyncZod<{
  store: Store;
  context: TemplateContext & { publicUrl?: string };
}> = async (app, { store, context }) => {
  const publicUrl = context.publicUrl ?? '';
  const path = '/api/v1/notifications/templates/:rule/:channel';

  app.get(
    path,
    {
      schema: {
        tags: ['notifications'],
        summary: "A rule's message template on a channel (the default when none was edited)",
        params: templateParams,
        response: { 200: templateSchema, 400: errorSchema },
      },
    },
    async (request) => findTemplate(store.db, request.params.rule, request.params.channel),
  );

  app.put(
    path,
    {
      schema: {
        tags: ['notifications'],
        summary: "Edits a rule's template on a channel (admin); placeholders from the fixed list only",
        params: templateParams,
        body: templateBody,
        response: { 200: templateSchema, 400: errorSchema },
      },
    },
    async (request) => {
      const user = signedIn(request);
      return store.db.transaction().execute((trx) =>
        saveTemplate(trx, context, {
          rule: request.params.rule,
          channel: request.params.channel,
          template: request.body,
          by: user.person,
        }),
      );
    },
  );

  app.delete(
    path,
    {
      schema: {
        tags: ['notifications'],
        summary: "Removes an edited template: the rule's messages use the default again (admin)",
        params: templateParams,
        response: { 200: templateSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const user = signedIn(request);
      return store.db
        .transaction()
        .execute((trx) => deleteTemplate(trx, context, { ...request.params, by: user.person }));
    },
  );

  app.post(
    `${path}/preview`,
    {
      schema: {
        tags: ['notifications'],
        summary:
          'Renders a template (the stored one, or the one in the body) on a sample after-hours checkout',
        params: templateParams,
        body: templateBody.partial().optional(),
        response: {
          200: z.object({ subject: z.string(), text: z.string(), html: z.string().nullable() }),
          400: errorSchema,
        },
      },
    },
    async (request) => {
      const stored = await findTemplate(store.db, request.params.rule, request.params.channel);
      const draft = {
        subject: request.body?.subject ?? stored.subject,
        text: request.body?.text ?? stored.text,
        html: request.body?.html === undefined ? stored.html : request.body.html,
      };
      checkTemplate(draft);
      return renderTemplate(draft, sampleValues(publicUrl, request.params.rule));
    },
  );

  app.post(
    '/api/v1/notifications/events/:event/acknowledge',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Acknowledges an event from the console inbox: stops its escalation (audited)',
        params: z.object({ event: z.string().min(1).max(100) }),
        response: { 200: acknowledgementSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const user = signedIn(request);
      return store.db.transaction().execute(async (trx) => {
        const event = await findEventForAcknowledgement(trx, request.params.event);
        if (onlyOverTeam(user.roles, 'notifications.acknowledge')) {
          const mine =
            event.recipients.includes(user.person) ||
            (event.person !== null && user.team.includes(event.person));
          if (!mine) throw new KeywardenError('forbidden', 'this event is not of your team nor sent to you');
        }
        return acknowledgeEvent(trx, context, { event: event.id, by: user.person, via: 'console' });
      });
    },
  );
};
