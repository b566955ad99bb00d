import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const cabinetSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  site: z.string(),
  slots: z.number(),
  keys: z.object({ in: z.number(), out: z.number(), missing: z.number() }),
  tokens: z.number(),
  lastSeenAt: z.string().nullable(),
  online: z.boolean(),
  offlineSince: z.string().nullable(),
  door: z.enum(['open', 'closed']).nullable(),
  doorSince: z.string().nullable(),
});
export type CabinetSummary = z.infer<typeof cabinetSummarySchema>;

export async function getCabinets(): Promise<CabinetSummary[]> {
  const answer = await apiRequest(
    '/api/v1/cabinets?limit=500',
    z.object({ cabinets: z.array(cabinetSummarySchema), next: z.string().nullable() }),
  );
  return answer.cabinets;
}

export function useCabinets() {
  return useQuery({ queryKey: ['cabinets', 'list'], queryFn: getCabinets, refetchInterval: 15_000 });
}
