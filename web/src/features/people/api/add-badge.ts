import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { personQueryKey } from './get-person';

export async function addBadge(person: string, number: string): Promise<string> {
  const answer = await apiRequest(
    `/api/v1/people/${encodeURIComponent(person)}/badges`,
    z.object({ credential: z.string(), badgeEnding: z.string() }),
    { method: 'POST', body: { number }, csrf: consoleCsrf() },
  );
  return answer.badgeEnding;
}

export function useAddBadge(person: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (number: string) => addBadge(person, number),
    onSuccess: () => client.invalidateQueries({ queryKey: personQueryKey(person) }),
  });
}
