import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { readCsrfToken, saveCsrfToken } from './csrf-token';

export async function signOut(): Promise<void> {
  await apiRequest('/api/v1/console/sessions/current', z.unknown(), {
    method: 'DELETE',
    csrf: readCsrfToken() ?? '',
  });
}

/** Signs out; whatever the answer, this tab forgets the session (a refused sign-out lapses by itself). */
export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: signOut,
    onSettled: () => {
      saveCsrfToken(null);
      client.clear();
      client.setQueryData(['console-me'], null);
    },
  });
}
