import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const demoOfficerSchema = z.object({
  officer: z.object({ person: z.string(), name: z.string(), badge: z.string(), pin: z.string() }),
});

/** The demo's officer to try (serve --demo on this machine); null elsewhere. */
export function useDemoOfficer() {
  return useQuery({
    queryKey: ['demo-officer'],
    queryFn: async () => {
      try {
        return (await apiRequest('/api/v1/demo/hints', demoOfficerSchema)).officer;
      } catch {
        return null;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
}
