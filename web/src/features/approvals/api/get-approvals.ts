import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const approvalSchema = z.object({
  id: z.string(),
  person: z.string(),
  key: z.string(),
  cabinet: z.string(),
  reason: z.string().nullable(),
  approver: z.string(),
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'used']),
  requestedAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
});
export type Approval = z.infer<typeof approvalSchema>;

const listSchema = z.object({ approvals: z.array(approvalSchema), next: z.string().nullable() });

/** Pending requests first, then the latest 100 others (supervisors: their team's, as the API filters). */
export async function getApprovals(): Promise<Approval[]> {
  const [pending, recent] = await Promise.all([
    apiRequest('/api/v1/approvals?status=pending&limit=100', listSchema),
    apiRequest('/api/v1/approvals?limit=100', listSchema),
  ]);
  return [...pending.approvals, ...recent.approvals.filter((approval) => approval.status !== 'pending')];
}

export function useApprovals() {
  return useQuery({ queryKey: ['approvals', 'list'], queryFn: getApprovals, refetchInterval: 10_000 });
}
