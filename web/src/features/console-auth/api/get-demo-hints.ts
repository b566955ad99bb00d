import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const hintsSchema = z.object({
  consoleUsers: z.array(
    z.object({
      person: z.string(),
      name: z.string(),
      role: z.string(),
      password: z.string(),
      code: z.string(),
    }),
  ),
});

/** serve --demo on this machine only: the demo's console users with the authenticator code valid now. */
export function useDemoHints() {
  return useQuery({
    queryKey: ['demo-hints'],
    queryFn: async () => {
      try {
        return (await apiRequest('/api/v1/demo/hints', hintsSchema)).consoleUsers;
      } catch {
        return null;
      }
    },
    refetchInterval: 10_000,
  });
}
