import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { sessionSchema, type TerminalSession } from './schemas';

export type FactorInput =
  | { kind: 'totp'; value: string }
  | { kind: 'fingerprint'; assertion: Record<string, unknown> | null };

export async function addFactor(
  session: string,
  token: string,
  factor: FactorInput,
): Promise<TerminalSession> {
  const answer = await apiRequest(
    `/api/v1/sessions/${encodeURIComponent(session)}/factors`,
    z.object({ session: sessionSchema }),
    { method: 'POST', bearer: token, body: factor },
  );
  return answer.session;
}

export function useAddFactor(session: string, token: string) {
  return useMutation({ mutationFn: (factor: FactorInput) => addFactor(session, token, factor) });
}
