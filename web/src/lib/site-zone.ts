/**
 * The site's time zone for showing times: the first site's IANA zone from GET /api/v1/sites (what the policy
 * decides with), never the browser's. Every console section formats times with `useSiteTimeFormat`, which
 * also names the zone, so a time is never ambiguous.
 */
import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from './api-client';
import { formatInZone } from './format-in-zone';

export async function getSiteZone(): Promise<string> {
  const answer = await apiRequest(
    '/api/v1/sites',
    z.object({ sites: z.array(z.object({ timezone: z.string() })) }),
  );
  return answer.sites[0]?.timezone ?? 'UTC';
}

export interface SiteTimeFormat {
  zone: string;
  /** "Wed, Nov 25, 02:00 CST", in the site's zone (lib/format-in-zone.ts); "—" for null. */
  when(iso: string | null | undefined): string;
  /** "Monday, May 24, 2027": a date with its year, in the site's zone. */
  day(iso: string | null | undefined): string;
}

export function useSiteTimeFormat(): SiteTimeFormat {
  const zone =
    useQuery({ queryKey: ['site-zone'], queryFn: getSiteZone, staleTime: 10 * 60_000 }).data ?? 'UTC';
  const days = new Intl.DateTimeFormat('en-US', { timeZone: zone, dateStyle: 'full' });
  return {
    zone,
    when: (iso) => formatInZone(iso, zone),
    day: (iso) => (iso ? days.format(new Date(iso)) : '—'),
  };
}

/** How far `zone` is ahead of UTC at `instant`, in milliseconds. */
function zoneOffsetMs(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return asUtc - (instant - (instant % 1000));
}

/**
 * The UTC instant of local midnight on `date` (YYYY-MM-DD) in `zone`, for period filters typed as site dates.
 * @example siteMidnightUtc('2026-11-25', 'America/Chicago') // '2026-11-25T06:00:00.000Z'
 */
export function siteMidnightUtc(date: string, zone: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - zoneOffsetMs(guess, zone);
  return new Date(guess - zoneOffsetMs(first, zone)).toISOString();
}
