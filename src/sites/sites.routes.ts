/**
 * Sites in the console: GET /api/v1/sites and /api/v1/sites/{site}, for every console role (`sites.read`).
 * Name and zone come from the directory, business hours and holidays from the active policy version (they
 * change only by an approved version); each site is shown at the server's clock now: local time, after
 * hours or not and why, this local year's holidays, and its cabinets. The list also carries the policy's
 * schedules (named weekly windows in site time) with the rules that use each.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scheduleOverviews } from '../domain/calendar/schedule-overview.js';
import { siteOverview } from '../domain/calendar/site-overview.js';
import { KeywardenError } from '../domain/errors.js';
import type { SiteFile } from '../domain/policy/policy-file.js';
import { errorSchema } from '../http/schemas.js';
import { type ActivePolicy, ActivePolicyCache } from '../policy/active-policy.js';
import type { Store } from '../store/database.js';

const siteSchema = z.object({
  id: z.string(),
  name: z.string(),
  timezone: z.string().describe('IANA zone'),
  localTime: z.string().describe('the local time now, ISO 8601 with the UTC offset'),
  afterHours: z.boolean().describe('whether it is after hours at the site now'),
  status: z.enum(['business-hours', 'outside-business-hours', 'holiday', 'closure']),
  closedFor: z.string().nullable().describe('the holiday, or "local closure", when that is why'),
  businessHours: z
    .record(z.string(), z.array(z.string()))
    .describe('day -> windows "HH:MM-HH:MM" in local time; a day that is absent is closed'),
  holidays: z.object({
    country: z.string().nullable(),
    region: z.string().nullable(),
    year: z.number().int().describe('the local year at the site now'),
    days: z.array(
      z.object({
        date: z.string().describe('YYYY-MM-DD, local'),
        kind: z.enum(['holiday', 'closure']),
        name: z.string(),
        from: z.string().nullable().describe('HH:MM when a holiday starts part way through the day'),
      }),
    ),
  }),
  cabinets: z.array(z.object({ id: z.string(), name: z.string() })),
  policyVersion: z.number().int().describe('the active policy version the hours and holidays are from'),
});

const scheduleSchema = z.object({
  id: z.string(),
  name: z.string(),
  windows: z
    .record(z.string(), z.array(z.string()))
    .describe(
      'day (mon..sun) -> windows "HH:MM-HH:MM" in the local time of the key\'s site; an end before the start runs past midnight into the next day; a day that is absent has no window',
    ),
  rules: z.array(z.string()).describe('ids of the rules whose `when` is this schedule'),
});

type SiteView = z.infer<typeof siteSchema>;

function viewOf(active: ActivePolicy, site: SiteFile, instantMs: number): SiteView {
  const compiled = active.compiled.sites.get(site.id);
  if (!compiled) throw new Error(`site ${site.id} is missing from the compiled policy`);
  return {
    ...siteOverview(site, compiled.calendar, instantMs),
    cabinets: active.policy.cabinets
      .filter((cabinet) => cabinet.site === site.id)
      .map((cabinet) => ({ id: cabinet.id, name: cabinet.name })),
    policyVersion: active.version,
  };
}

export const sitesRoutes: FastifyPluginAsyncZod<{
  store: Store;
  now: () => Date;
  /** The running system's cache; a private one otherwise (the server without the terminal). */
  policies?: ActivePolicyCache;
}> = async (app, { store, now, policies }) => {
  const cache = policies ?? new ActivePolicyCache(store.db);

  app.get(
    '/api/v1/sites',
    {
      schema: {
        tags: ['sites'],
        summary:
          "Every site now: zone, local time, after hours or not, business hours, holidays, cabinets; and the policy's schedules",
        response: {
          200: z.object({
            sites: z.array(siteSchema),
            schedules: z
              .array(scheduleSchema)
              .describe("the active policy's schedules, evaluated in the local time of each key's site"),
          }),
          401: errorSchema,
          403: errorSchema,
          503: errorSchema,
        },
      },
    },
    async () => {
      const active = await cache.get();
      const at = now().getTime();
      return {
        sites: active.policy.sites.map((site) => viewOf(active, site, at)),
        schedules: scheduleOverviews(active.policy),
      };
    },
  );

  app.get(
    '/api/v1/sites/:site',
    {
      schema: {
        tags: ['sites'],
        summary: 'One site now',
        params: z.object({ site: z.string().max(100) }),
        response: {
          200: z.object({ site: siteSchema }),
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request) => {
      const active = await cache.get();
      const site = active.policy.sites.find((candidate) => candidate.id === request.params.site);
      if (!site) throw new KeywardenError('not_found', `there is no site "${request.params.site}"`);
      return { site: viewOf(active, site, now().getTime()) };
    },
  );
};
