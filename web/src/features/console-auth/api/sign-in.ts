import { startAuthentication } from '@simplewebauthn/browser';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { saveCsrfToken } from './csrf-token';
import { ME_QUERY_KEY } from './get-me';
import { consoleUserSchema } from './schemas';

const signedInSchema = z.object({ csrfToken: z.string(), user: consoleUserSchema, expiresAt: z.string() });

export type SignInInput =
  | { person: string; password: string; method: 'totp'; totp: string }
  | { person: string; password: string; method: 'passkey' };

export async function signIn(input: SignInInput) {
  let second: Record<string, unknown>;
  if (input.method === 'totp') {
    second = { totp: input.totp };
  } else {
    const { options } = await apiRequest(
      '/api/v1/console/sessions/passkey-options',
      z.object({ options: z.record(z.string(), z.unknown()) }),
      { method: 'POST', body: { person: input.person } },
    );
    // biome-ignore lint/suspicious/noExplicitAny: WebAuthn options JSON, as the server made them
    const passkey = await startAuthentication({ optionsJSON: options as any });
    second = { passkey };
  }
  const answer = await apiRequest('/api/v1/console/sessions', signedInSchema, {
    method: 'POST',
    body: { person: input.person, password: input.password, ...second },
  });
  saveCsrfToken(answer.csrfToken);
  return answer.user;
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: signIn,
    onSuccess: (user) => client.setQueryData(ME_QUERY_KEY, user),
  });
}
