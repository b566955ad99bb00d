import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const cabinetSchema = z.object({
  id: z.string(),
  name: z.string(),
  site: z.string(),
  slots: z.number(),
  keys: z.object({ in: z.number(), out: z.number(), missing: z.number() }),
  lastSeenAt: z.string().nullable(),
  /** Connected over the cabinet protocol (docs/cabinet-protocol.md); absent on a server without it. */
  online: z.boolean().optional(),
  offlineSince: z.string().nullable().optional(),
});
export type CabinetSummary = z.infer<typeof cabinetSchema>;

export async function getCabinets(): Promise<CabinetSummary[]> {
  const answer = await apiRequest(
    '/api/v1/cabinets?limit=500',
    z.object({ cabinets: z.array(cabinetSchema), next: z.string().nullable() }),
  );
  return answer.cabinets;
}

export function useCabinets() {
  return useQuery({ queryKey: ['dashboard', 'cabinets'], queryFn: getCabinets, refetchInterval: 30_000 });
}
