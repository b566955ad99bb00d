import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const cabinetSlotsSchema = z.object({
  cabinet: z.string(),
  serverTime: z.string(),
  slots: z.array(
    z.object({
      slot: z.number(),
      fob: z.string().nullable(),
      release: z.object({ checkout: z.string(), until: z.string() }).nullable(),
    }),
  ),
  keys: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      tag: z.string(),
      status: z.enum(['in', 'out', 'missing', 'retired']),
    }),
  ),
});
export type CabinetSlots = z.infer<typeof cabinetSlotsSchema>;

/** GET /api/v1/cabinets/{cabinet}/slots with the cabinet token: the fobs the simulated cabinet starts with. */
export function getCabinetSlots(cabinet: string, token: string): Promise<CabinetSlots> {
  return apiRequest(`/api/v1/cabinets/${encodeURIComponent(cabinet)}/slots`, cabinetSlotsSchema, {
    bearer: token,
  });
}

/**
 * Read once when the page opens: from then on the simulator itself is the cabinet and holds the physical
 * state (what is in which slot); re-reading would undo what a person did by hand.
 */
export function useCabinetSlots(cabinet: string, token: string) {
  return useQuery({
    queryKey: ['cabinet-slots', cabinet, token],
    queryFn: () => getCabinetSlots(cabinet, token),
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
    retry: (count, error) =>
      count < 3 && !(error instanceof Error && 'code' in error && error.code === 'cabinet_unauthorized'),
  });
}
