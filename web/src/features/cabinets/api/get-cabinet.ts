import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { cabinetSummarySchema } from './get-cabinets';

const keyInSlot = z.object({
  id: z.string(),
  label: z.string(),
  status: z.enum(['in', 'out', 'missing', 'retired']),
});

export const cabinetDetailSchema = cabinetSummarySchema.extend({
  slotList: z.array(
    z.object({
      number: z.number(),
      key: keyInSlot.nullable(),
      home: keyInSlot.nullable(),
      reported: z.object({ fob: z.string().nullable() }).nullable(),
    }),
  ),
});
export type CabinetDetail = z.infer<typeof cabinetDetailSchema>;
export type Slot = CabinetDetail['slotList'][number];

export const cabinetQueryKey = (id: string) => ['cabinets', 'one', id] as const;

export async function getCabinet(id: string): Promise<CabinetDetail> {
  const answer = await apiRequest(
    `/api/v1/cabinets/${encodeURIComponent(id)}`,
    z.object({ cabinet: cabinetDetailSchema }),
  );
  return answer.cabinet;
}

export function useCabinet(id: string) {
  return useQuery({ queryKey: cabinetQueryKey(id), queryFn: () => getCabinet(id) });
}
