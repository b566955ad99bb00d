import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const siteSchema = z.object({
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  localTime: z.string(),
  afterHours: z.boolean(),
  status: z.enum(['business-hours', 'outside-business-hours', 'holiday', 'closure']),
  closedFor: z.string().nullable(),
  businessHours: z.record(z.string(), z.array(z.string())),
  holidays: z.object({
    country: z.string().nullable(),
    region: z.string().nullable(),
    year: z.number(),
    days: z.array(
      z.object({
        date: z.string(),
        kind: z.enum(['holiday', 'closure']),
        name: z.string(),
        from: z.string().nullable(),
      }),
    ),
  }),
  cabinets: z.array(z.object({ id: z.string(), name: z.string() })),
  policyVersion: z.number(),
});
export type Site = z.infer<typeof siteSchema>;

const scheduleSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Day -> "HH:MM-HH:MM" in the key's site time; an end before the start runs into the next day. */
  windows: z.record(z.string(), z.array(z.string())),
  /** Ids of the rules whose `when` is this schedule. */
  rules: z.array(z.string()),
});
export type Schedule = z.infer<typeof scheduleSchema>;

const sitesResponseSchema = z.object({ sites: z.array(siteSchema), schedules: z.array(scheduleSchema) });
export type SitesAndSchedules = z.infer<typeof sitesResponseSchema>;

/**
 * Every site at the server's clock now, and the policy's schedules; re-read each minute so the local time
 * and after-hours stay true.
 */
export async function getSites(): Promise<SitesAndSchedules> {
  return apiRequest('/api/v1/sites', sitesResponseSchema);
}

export function useSites() {
  return useQuery({ queryKey: ['sites', 'list'], queryFn: getSites, refetchInterval: 60_000 });
}
