import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const cabinetStatusSchema = z.object({
  cabinet: z.object({ id: z.string(), name: z.string(), slots: z.number() }),
  site: z.object({
    id: z.string(),
    name: z.string(),
    timezone: z.string(),
    localTime: z.string(),
    afterHours: z.boolean(),
    closedFor: z.string().nullable(),
  }),
  reasons: z.array(z.object({ id: z.string(), label: z.string() })),
  policyVersion: z.number(),
});
export type CabinetStatus = z.infer<typeof cabinetStatusSchema>;

export function getCabinetStatus(cabinet: string, token: string): Promise<CabinetStatus> {
  return apiRequest(`/api/v1/cabinets/${encodeURIComponent(cabinet)}/status`, cabinetStatusSchema, {
    bearer: token,
  });
}

/** Re-read every 30 s: after hours begins and ends while the screen sits idle. */
export function useCabinetStatus(cabinet: string, token: string) {
  return useQuery({
    queryKey: ['cabinet-status', cabinet, token],
    queryFn: () => getCabinetStatus(cabinet, token),
    refetchInterval: 30_000,
  });
}
