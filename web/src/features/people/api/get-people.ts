import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const personSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  active: z.boolean(),
  roles: z.array(z.string()),
  supervisor: z.string().nullable(),
  consoleRoles: z.array(z.string()),
  factors: z.array(z.string()),
});
export type PersonSummary = z.infer<typeof personSummarySchema>;

export interface PeopleFilter {
  q: string;
  role: string;
}

/** The people the viewer may see (a supervisor: their team and themselves; the API filters). */
export async function getPeople(filter: PeopleFilter): Promise<PersonSummary[]> {
  const query = new URLSearchParams({ limit: '500' });
  if (filter.q.trim()) query.set('q', filter.q.trim());
  if (filter.role) query.set('role', filter.role);
  const answer = await apiRequest(
    `/api/v1/people?${query}`,
    z.object({ people: z.array(personSummarySchema), next: z.string().nullable() }),
  );
  return answer.people;
}

export function usePeople(filter: PeopleFilter) {
  return useQuery({
    queryKey: ['people', 'list', filter],
    queryFn: () => getPeople(filter),
    placeholderData: (previous) => previous,
  });
}
