import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { approvalSchema } from './get-approvals';

export interface Decision {
  id: string;
  decision: 'approve' | 'deny';
  note?: string;
}

export function decideApproval({ id, decision, note }: Decision) {
  return apiRequest(
    `/api/v1/approvals/${encodeURIComponent(id)}/decision`,
    z.object({ approval: approvalSchema }),
    {
      method: 'POST',
      body: { decision, note: note || undefined },
      csrf: consoleCsrf(),
    },
  );
}

export function useDecideApproval() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: decideApproval,
    onSuccess: () => client.invalidateQueries({ queryKey: ['approvals'] }),
  });
}
