import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const checkoutSchema = z.object({
  id: z.string(),
  key: z.string(),
  slot: z.number(),
  dueAt: z.string().nullable(),
  afterHours: z.boolean(),
});
export type TakenKey = z.infer<typeof checkoutSchema>;

export interface TakeKeyInput {
  key: string;
  reason: string | null;
  note: string | null;
  approval: string | null;
}

export async function takeKey(session: string, token: string, input: TakeKeyInput): Promise<TakenKey> {
  const answer = await apiRequest(
    `/api/v1/sessions/${encodeURIComponent(session)}/checkouts`,
    z.object({ checkout: checkoutSchema }),
    { method: 'POST', bearer: token, body: input },
  );
  return answer.checkout;
}

export function useTakeKey(session: string, token: string) {
  return useMutation({ mutationFn: (input: TakeKeyInput) => takeKey(session, token, input) });
}
