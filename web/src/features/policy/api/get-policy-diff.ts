import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const diffSchema = z.object({
  from: z.number(),
  to: z.number(),
  changes: z.array(
    z.object({
      kind: z.enum(['added', 'removed', 'changed']),
      section: z.string(),
      id: z.string().nullable(),
      path: z.string(),
      summary: z.string(),
      loosens: z.boolean(),
    }),
  ),
  loosening: z.number(),
});
export type PolicyDiff = z.infer<typeof diffSchema>;

/** What changed from `against` to `version`; the API puts changes that loosen control first. */
export function getPolicyDiff(version: number, against: number): Promise<PolicyDiff> {
  return apiRequest(`/api/v1/policy-versions/${version}/diff?against=${against}`, diffSchema);
}

export function usePolicyDiff(pair: { version: number; against: number } | null) {
  return useQuery({
    queryKey: ['policy', 'diff', pair],
    queryFn: () => getPolicyDiff(pair?.version as number, pair?.against as number),
    enabled: pair !== null && pair.version !== pair.against,
  });
}
