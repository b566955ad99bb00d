import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { policyVersionSchema } from './get-policy-versions';

export const problemSchema = z.object({
  path: z.string(),
  line: z.number().nullable(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
});
export type PolicyProblem = z.infer<typeof problemSchema>;

/** Imports a policy file as a draft; a 422 policy_invalid carries every problem in details.problems. */
export function importPolicy(source: string) {
  return apiRequest(
    '/api/v1/policy-versions',
    z.object({ version: policyVersionSchema, warnings: z.array(problemSchema) }),
    { method: 'POST', body: { source }, csrf: consoleCsrf() },
  );
}

export function useImportPolicy() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: importPolicy,
    onSuccess: () => client.invalidateQueries({ queryKey: ['policy'] }),
  });
}
