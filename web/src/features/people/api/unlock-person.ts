import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { personQueryKey } from './get-person';

/** Ends the person's lockout now: failures and the doubling start again from zero. */
export async function unlockPerson(person: string): Promise<void> {
  await apiRequest(`/api/v1/people/${encodeURIComponent(person)}/unlock`, z.unknown(), {
    method: 'POST',
    body: {},
    csrf: consoleCsrf(),
  });
}

export function useUnlockPerson(person: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unlockPerson(person),
    onSuccess: () => client.invalidateQueries({ queryKey: personQueryKey(person) }),
  });
}
