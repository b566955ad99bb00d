import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const policyVersionSchema = z.object({
  version: z.number(),
  name: z.string(),
  status: z.enum(['draft', 'active', 'superseded', 'rejected']),
  sha256: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
});
export type PolicyVersion = z.infer<typeof policyVersionSchema>;

export async function getPolicyVersions(): Promise<PolicyVersion[]> {
  return (await apiRequest('/api/v1/policy-versions', z.object({ versions: z.array(policyVersionSchema) })))
    .versions;
}

export function usePolicyVersions() {
  return useQuery({ queryKey: ['policy', 'versions'], queryFn: getPolicyVersions });
}
