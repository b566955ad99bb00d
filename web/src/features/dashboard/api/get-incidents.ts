import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const incidentSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(['open', 'closed']),
  person: z.string().nullable(),
  key: z.string().nullable(),
  summary: z.string(),
  openedAt: z.string(),
});
export type Incident = z.infer<typeof incidentSchema>;

export async function getOpenIncidents(): Promise<Incident[]> {
  const answer = await apiRequest(
    '/api/v1/incidents?status=open&limit=100',
    z.object({ incidents: z.array(incidentSchema) }),
  );
  return answer.incidents;
}

export function useOpenIncidents() {
  return useQuery({
    queryKey: ['dashboard', 'incidents'],
    queryFn: getOpenIncidents,
    refetchInterval: 30_000,
  });
}
