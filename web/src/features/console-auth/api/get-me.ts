import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { ApiError, apiRequest } from '../../../lib/api-client';
import { type ConsoleUser, consoleUserSchema } from './schemas';

/** Who is signed in, or null when no one is (401). */
export async function getMe(): Promise<ConsoleUser | null> {
  try {
    return (await apiRequest('/api/v1/console/me', z.object({ user: consoleUserSchema }))).user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export const ME_QUERY_KEY = ['console-me'] as const;

/** Re-checked every minute: a session that ended elsewhere (idle, sign-out) shows the sign-in page. */
export function useMe() {
  return useQuery({ queryKey: ME_QUERY_KEY, queryFn: getMe, refetchInterval: 60_000 });
}
