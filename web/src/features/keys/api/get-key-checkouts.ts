import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const checkoutSchema = z.object({
  id: z.string(),
  key: z.string(),
  person: z.string(),
  cabinet: z.string(),
  slot: z.number(),
  takenAt: z.string(),
  dueAt: z.string().nullable(),
  reason: z.string().nullable(),
  note: z.string().nullable(),
  afterHours: z.boolean(),
  status: z.enum(['open', 'returned']),
  returnedAt: z.string().nullable(),
  returnCabinet: z.string().nullable(),
  returnSlot: z.number().nullable(),
  late: z.boolean().nullable(),
  wrongSlot: z.boolean().nullable(),
});
export type KeyCheckout = z.infer<typeof checkoutSchema>;

/** The key's checkouts the viewer may see (a supervisor: their team's), newest first. */
export async function getKeyCheckouts(key: string): Promise<KeyCheckout[]> {
  const answer = await apiRequest(
    `/api/v1/checkouts?key=${encodeURIComponent(key)}&limit=200`,
    z.object({ checkouts: z.array(checkoutSchema), next: z.string().nullable() }),
  );
  return [...answer.checkouts].sort((a, b) => b.takenAt.localeCompare(a.takenAt));
}

export function useKeyCheckouts(key: string) {
  return useQuery({ queryKey: ['keys', 'checkouts', key], queryFn: () => getKeyCheckouts(key) });
}
