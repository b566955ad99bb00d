import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const checkoutSchema = z.object({
  id: z.string(),
  key: z.string(),
  person: z.string(),
  cabinet: z.string(),
  slot: z.number(),
  takenAt: z.string(),
  dueAt: z.string().nullable(),
  reason: z.string().nullable(),
  afterHours: z.boolean(),
  status: z.enum(['open', 'returned']),
  returnedAt: z.string().nullable(),
  late: z.boolean().nullable(),
});
export type Checkout = z.infer<typeof checkoutSchema>;

export interface CheckoutFilter {
  status?: 'open' | 'returned';
  afterHours?: boolean;
  overdueAt?: string;
  from?: string;
}

/** One page of up to 500 checkouts, newest taken first (supervisors: their team's only, filtered by the API). */
export async function getCheckouts(filter: CheckoutFilter): Promise<Checkout[]> {
  const query = new URLSearchParams({ limit: '500' });
  if (filter.status) query.set('status', filter.status);
  if (filter.afterHours !== undefined) query.set('afterHours', String(filter.afterHours));
  if (filter.overdueAt) query.set('overdueAt', filter.overdueAt);
  if (filter.from) query.set('from', filter.from);
  const answer = await apiRequest(
    `/api/v1/checkouts?${query}`,
    z.object({ checkouts: z.array(checkoutSchema), next: z.string().nullable() }),
  );
  return answer.checkouts.sort((a, b) => b.takenAt.localeCompare(a.takenAt));
}

/** Waits for `filter` when it depends on the server's time (null until that is known). */
export function useCheckouts(name: string, filter: CheckoutFilter | null) {
  return useQuery({
    queryKey: ['dashboard', 'checkouts', name, filter],
    queryFn: () => getCheckouts(filter ?? {}),
    enabled: filter !== null,
    refetchInterval: 30_000,
  });
}
