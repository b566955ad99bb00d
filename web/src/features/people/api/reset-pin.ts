import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { personQueryKey } from './get-person';

/** A new random PIN replaces the old one; the answer is the only time it is shown. */
export async function resetPin(person: string): Promise<string> {
  const answer = await apiRequest(
    `/api/v1/people/${encodeURIComponent(person)}/pin`,
    z.object({ credential: z.string(), pin: z.string() }),
    { method: 'POST', body: { random: true }, csrf: consoleCsrf() },
  );
  return answer.pin;
}

export function useResetPin(person: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => resetPin(person),
    onSuccess: () => client.invalidateQueries({ queryKey: personQueryKey(person) }),
  });
}
