import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { sessionSchema, type TerminalSession } from './schemas';

/** Who is signing in: a badge as the reader typed it, or a person id typed on screen. */
export type Identity = { badge: string } | { person: string };

export async function signIn(
  cabinet: string,
  token: string,
  input: { identity: Identity; pin: string },
): Promise<TerminalSession> {
  const answer = await apiRequest(
    `/api/v1/cabinets/${encodeURIComponent(cabinet)}/sessions`,
    z.object({ session: sessionSchema }),
    {
      method: 'POST',
      bearer: token,
      body: { ...input.identity, factors: [{ kind: 'pin', value: input.pin }] },
    },
  );
  return answer.session;
}

export function useSignIn(cabinet: string, token: string) {
  return useMutation({
    mutationFn: (input: { identity: Identity; pin: string }) => signIn(cabinet, token, input),
  });
}
