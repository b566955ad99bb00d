import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { sessionSchema, type TerminalSession } from './schemas';
import type { Identity } from './sign-in';

export async function addWitness(
  session: string,
  token: string,
  input: { identity: Identity; pin: string },
): Promise<TerminalSession> {
  const answer = await apiRequest(
    `/api/v1/sessions/${encodeURIComponent(session)}/witness`,
    z.object({ session: sessionSchema }),
    {
      method: 'POST',
      bearer: token,
      body: { ...input.identity, factors: [{ kind: 'pin', value: input.pin }] },
    },
  );
  return answer.session;
}

export function useAddWitness(session: string, token: string) {
  return useMutation({
    mutationFn: (input: { identity: Identity; pin: string }) => addWitness(session, token, input),
  });
}
