import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { policyVersionSchema } from './get-policy-versions';

/** Approves a draft; the API refuses its author (409 same_author) with the reason. */
export function approvePolicy(version: number) {
  return apiRequest(
    `/api/v1/policy-versions/${version}/approve`,
    z.object({ version: policyVersionSchema }),
    {
      method: 'POST',
      csrf: consoleCsrf(),
    },
  );
}

export function useApprovePolicy() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: approvePolicy,
    onSuccess: () => client.invalidateQueries({ queryKey: ['policy'] }),
  });
}
