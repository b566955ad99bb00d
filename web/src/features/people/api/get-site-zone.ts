import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

/** People belong to no one site: their times show in the first site's zone, which is named beside them. */
export async function getSiteZone(): Promise<string> {
  const answer = await apiRequest(
    '/api/v1/sites',
    z.object({ sites: z.array(z.object({ timezone: z.string() })) }),
  );
  return answer.sites[0]?.timezone ?? 'UTC';
}

export function useSiteZone() {
  return useQuery({ queryKey: ['people', 'site-zone'], queryFn: getSiteZone, staleTime: 10 * 60_000 });
}
