import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { policyVersionSchema } from './get-policy-versions';

const detailSchema = z.object({
  version: policyVersionSchema,
  source: z.string(),
  review: z.object({ everyDays: z.number().nullable(), nextAt: z.string().nullable() }),
});
export type PolicyVersionDetail = z.infer<typeof detailSchema>;

export function getPolicyVersion(version: number): Promise<PolicyVersionDetail> {
  return apiRequest(`/api/v1/policy-versions/${version}`, detailSchema);
}

export function usePolicyVersion(version: number | null) {
  return useQuery({
    queryKey: ['policy', 'version', version],
    queryFn: () => getPolicyVersion(version as number),
    enabled: version !== null,
  });
}
