import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

/** Site id -> IANA zone, so a cabinet's times show in its site's time. */
export async function getSiteZones(): Promise<Map<string, string>> {
  const answer = await apiRequest(
    '/api/v1/sites',
    z.object({ sites: z.array(z.object({ id: z.string(), timezone: z.string() })) }),
  );
  return new Map(answer.sites.map((site) => [site.id, site.timezone]));
}

export function useSiteZones() {
  return useQuery({ queryKey: ['cabinets', 'site-zones'], queryFn: getSiteZones, staleTime: 5 * 60_000 });
}
