import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

/** Person id -> name, of the people this console user may see (supervisors: their team and themselves). */
export async function getPeopleNames(): Promise<Map<string, string>> {
  const answer = await apiRequest(
    '/api/v1/people?limit=500',
    z.object({
      people: z.array(z.object({ id: z.string(), name: z.string() })),
      next: z.string().nullable(),
    }),
  );
  return new Map(answer.people.map((person) => [person.id, person.name]));
}

export function usePeopleNames() {
  return useQuery({
    queryKey: ['incidents', 'people-names'],
    queryFn: getPeopleNames,
    staleTime: 5 * 60_000,
  });
}
