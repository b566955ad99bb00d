import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const approvalSchema = z.object({
  id: z.string(),
  person: z.string(),
  key: z.string(),
  cabinet: z.string(),
  reason: z.string().nullable(),
  status: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
});
export type ApprovalRequest = z.infer<typeof approvalSchema>;

export async function getPendingApprovals(): Promise<ApprovalRequest[]> {
  const answer = await apiRequest(
    '/api/v1/approvals?status=pending&limit=100',
    z.object({ approvals: z.array(approvalSchema), next: z.string().nullable() }),
  );
  return answer.approvals;
}

export function usePendingApprovals() {
  return useQuery({
    queryKey: ['dashboard', 'approvals'],
    queryFn: getPendingApprovals,
    refetchInterval: 15_000,
  });
}
