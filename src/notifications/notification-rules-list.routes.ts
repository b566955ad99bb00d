/**
 * GET /api/v1/notifications/rules: the message-writing rules of the active policy (its notification rules,
 * the consequences that notify, the reminder), each with the id its templates are stored under, so the
 * console can list them with their templates (src/domain/notifications/rule-list.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notificationRulesOf } from '../domain/notifications/rule-list.js';
import { errorSchema } from '../http/schemas.js';
import { getPolicyVersion, listPolicyVersions } from '../policy/policy-versions.service.js';
import type { Store } from '../store/database.js';

const ruleSchema = z.object({
  id: z.string().describe('the rule id of GET /notifications/templates/{rule}/{channel}'),
  kind: z.enum(['notification', 'consequence', 'system']),
  on: z.array(z.string()),
  to: z.array(z.string()),
  via: z.array(z.string()).describe('the channels it writes to'),
  escalate: z.string().nullable(),
});

export const notificationRulesListRoutes: FastifyPluginAsyncZod<{ store: Store }> = async (
  app,
  { store },
) => {
  app.get(
    '/api/v1/notifications/rules',
    {
      schema: {
        tags: ['notifications'],
        summary: 'The message-writing rules of the active policy, with the ids their templates use',
        response: {
          200: z.object({
            version: z.number().int().nullable().describe('the active policy version; null when none is'),
            rules: z.array(ruleSchema),
          }),
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async () => {
      const active = (await listPolicyVersions(store.db)).find((version) => version.status === 'active');
      if (!active) return { version: null, rules: [] };
      const { policy } = await getPolicyVersion(store.db, active.version);
      return { version: active.version, rules: notificationRulesOf(policy) };
    },
  );
};
