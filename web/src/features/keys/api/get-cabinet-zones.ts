/**
 * Cabinet id -> the IANA zone of its site, so each checkout shows in its own site's time. GET /api/v1/sites
 * lists each site's cabinets, so one request gives both.
 */
import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export async function getCabinetZones(): Promise<Map<string, string>> {
  const answer = await apiRequest(
    '/api/v1/sites',
    z.object({
      sites: z.array(z.object({ timezone: z.string(), cabinets: z.array(z.object({ id: z.string() })) })),
    }),
  );
  return new Map(answer.sites.flatMap((site) => site.cabinets.map((cabinet) => [cabinet.id, site.timezone])));
}

export function useCabinetZones() {
  return useQuery({ queryKey: ['keys', 'cabinet-zones'], queryFn: getCabinetZones, staleTime: 5 * 60_000 });
}
