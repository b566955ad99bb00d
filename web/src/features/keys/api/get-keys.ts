import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const KEY_STATUSES = ['in', 'out', 'missing', 'retired'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export const keySchema = z.object({
  id: z.string(),
  label: z.string(),
  group: z.string(),
  cabinet: z.string(),
  slot: z.number(),
  sensitivity: z.string(),
  status: z.enum(KEY_STATUSES),
  currentCheckout: z.string().nullable(),
});
export type Key = z.infer<typeof keySchema>;

/** Every key (up to 500), or those of one status. */
export async function getKeys(status: KeyStatus | null): Promise<Key[]> {
  const query = new URLSearchParams({ limit: '500' });
  if (status) query.set('status', status);
  const answer = await apiRequest(
    `/api/v1/keys?${query}`,
    z.object({ keys: z.array(keySchema), next: z.string().nullable() }),
  );
  return answer.keys;
}

export function useKeys(status: KeyStatus | null) {
  return useQuery({
    queryKey: ['keys', 'list', status],
    queryFn: () => getKeys(status),
    refetchInterval: 30_000,
  });
}
