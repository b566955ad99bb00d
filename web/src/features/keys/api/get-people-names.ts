import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

/** Person id -> name, for the people the viewer may see (a supervisor: their team); others show by id. */
export async function getPeopleNames(): Promise<Map<string, string>> {
  const answer = await apiRequest(
    '/api/v1/people?limit=500',
    z.object({ people: z.array(z.object({ id: z.string(), name: z.string() })) }),
  );
  return new Map(answer.people.map((person) => [person.id, person.name]));
}

export function usePeopleNames() {
  return useQuery({ queryKey: ['keys', 'people-names'], queryFn: getPeopleNames, staleTime: 5 * 60_000 });
}
