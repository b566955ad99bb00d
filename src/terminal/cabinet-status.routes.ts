/**
 * GET /api/v1/cabinets/{cabinet}/status: what a kiosk's idle screen shows, read with the cabinet's own token
 * (the console's site routes need a console sign-in): the cabinet's name, its site with the local time and
 * whether it is after hours there now, and the policy's reasons to choose from.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cabinetOfToken } from '../cabinets/cabinet-tokens.service.js';
import { siteOverview } from '../domain/calendar/site-overview.js';
import { KeywardenError } from '../domain/errors.js';
import { errorSchema } from '../http/schemas.js';
import { ActivePolicyCache } from '../policy/active-policy.js';
import type { Store } from '../store/database.js';

const statusSchema = z.object({
  cabinet: z.object({ id: z.string(), name: z.string(), slots: z.number().int() }),
  site: z.object({
    id: z.string(),
    name: z.string(),
    timezone: z.string().describe('IANA zone'),
    localTime: z.string().describe('the local time now, ISO 8601 with the UTC offset'),
    afterHours: z.boolean(),
    closedFor: z.string().nullable().describe('the holiday, or "local closure", when that is why'),
  }),
  reasons: z.array(z.object({ id: z.string(), label: z.string() })),
  policyVersion: z.number().int(),
});

export const cabinetStatusRoutes: FastifyPluginAsyncZod<{
  store: Store;
  now: () => Date;
  policies?: ActivePolicyCache;
}> = async (app, { store, now, policies }) => {
  const cache = policies ?? new ActivePolicyCache(store.db);
  app.get(
    '/api/v1/cabinets/:cabinet/status',
    {
      schema: {
        tags: ['terminal'],
        summary: "The kiosk's idle screen: cabinet name, site, local time, after hours now, the reasons",
        security: [{ cabinetToken: [] }],
        params: z.object({ cabinet: z.string().max(100) }),
        response: { 200: statusSchema, 401: errorSchema, 503: errorSchema },
      },
    },
    async (request) => {
      const header = request.headers.authorization ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
      const cabinet = token ? await cabinetOfToken(store.db, token, now()) : null;
      if (!cabinet || cabinet !== request.params.cabinet) {
        throw new KeywardenError(
          'cabinet_unauthorized',
          `this request needs the token of cabinet "${request.params.cabinet}" (Authorization: Bearer ...)`,
        );
      }
      const active = await cache.get();
      const entry = active.policy.cabinets.find((candidate) => candidate.id === cabinet);
      const site = entry && active.policy.sites.find((candidate) => candidate.id === entry.site);
      const compiled = site && active.compiled.sites.get(site.id);
      if (!entry || !site || !compiled) {
        throw new KeywardenError('not_found', `cabinet "${cabinet}" is not in the active policy`);
      }
      const overview = siteOverview(site, compiled.calendar, now().getTime());
      return {
        cabinet: { id: entry.id, name: entry.name, slots: entry.slots },
        site: {
          id: site.id,
          name: site.name,
          timezone: site.timezone,
          localTime: overview.localTime,
          afterHours: overview.afterHours,
          closedFor: overview.closedFor,
        },
        reasons: active.policy.reasons.map((reason) => ({ id: reason.id, label: reason.label })),
        policyVersion: active.version,
      };
    },
  );
};
