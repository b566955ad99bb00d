import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { approvalSchema } from './get-approvals';

const detailSchema = z.object({
  approval: approvalSchema,
  description: z.object({
    personName: z.string(),
    keyLabel: z.string(),
    cabinetName: z.string(),
    siteName: z.string(),
    timezone: z.string(),
    reasonLabel: z.string().nullable(),
  }),
  approvers: z.array(z.string()),
});
export type ApprovalDetail = z.infer<typeof detailSchema>;

export function getApproval(id: string): Promise<ApprovalDetail> {
  return apiRequest(`/api/v1/approvals/${encodeURIComponent(id)}`, detailSchema);
}

export function useApproval(id: string | null) {
  return useQuery({
    queryKey: ['approvals', 'one', id],
    queryFn: () => getApproval(id as string),
    enabled: id !== null,
  });
}
