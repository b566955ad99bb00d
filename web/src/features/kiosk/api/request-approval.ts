import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { approvalSchema } from './schemas';

export async function requestApproval(
  session: string,
  token: string,
  input: { key: string; reason: string | null },
) {
  return apiRequest(
    `/api/v1/sessions/${encodeURIComponent(session)}/approvals`,
    z.object({ approval: approvalSchema, approvers: z.array(z.string()) }),
    { method: 'POST', bearer: token, body: input },
  );
}

export function useRequestApproval(session: string, token: string) {
  return useMutation({
    mutationFn: (input: { key: string; reason: string | null }) => requestApproval(session, token, input),
  });
}
