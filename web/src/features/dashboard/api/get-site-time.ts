/**
 * The time the dashboard counts from: the server's clock (what the policy decides with), read from the
 * first site's local time in GET /api/v1/sites, never this browser's clock. "Today" starts at local midnight
 * at that site; times are shown in its zone.
 */
import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export interface SiteTime {
  /** The server's instant now, ISO 8601 UTC. */
  now: string;
  /** Local midnight today at the site, ISO 8601 UTC. */
  todayStart: string;
  timezone: string;
  siteName: string;
}

export async function getSiteTime(): Promise<SiteTime> {
  const answer = await apiRequest(
    '/api/v1/sites',
    z.object({ sites: z.array(z.object({ name: z.string(), timezone: z.string(), localTime: z.string() })) }),
  );
  const site = answer.sites[0];
  if (!site) {
    const now = new Date().toISOString();
    return { now, todayStart: now, timezone: 'UTC', siteName: '' };
  }
  // localTime is "2026-11-25T02:00:00.000-06:00": its date and offset give the local midnight.
  const midnight = `${site.localTime.slice(0, 10)}T00:00:00${site.localTime.slice(23)}`;
  return {
    now: new Date(site.localTime).toISOString(),
    todayStart: new Date(midnight).toISOString(),
    timezone: site.timezone,
    siteName: site.name,
  };
}

export function useSiteTime() {
  return useQuery({ queryKey: ['dashboard', 'site-time'], queryFn: getSiteTime, refetchInterval: 60_000 });
}
