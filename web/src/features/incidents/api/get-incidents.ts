import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const incidentSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(['open', 'closed']),
  person: z.string().nullable(),
  key: z.string().nullable(),
  checkout: z.string().nullable(),
  owner: z.string().nullable(),
  summary: z.string(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  resolution: z.string().nullable(),
});
export type Incident = z.infer<typeof incidentSchema>;

const listSchema = z.object({ incidents: z.array(incidentSchema) });

/** Open incidents first, then the latest closed ones. */
export async function getIncidents(): Promise<Incident[]> {
  const [open, closed] = await Promise.all([
    apiRequest('/api/v1/incidents?status=open&limit=200', listSchema),
    apiRequest('/api/v1/incidents?status=closed&limit=50', listSchema),
  ]);
  return [...open.incidents, ...closed.incidents];
}

export function useIncidents() {
  return useQuery({ queryKey: ['incidents', 'list'], queryFn: getIncidents, refetchInterval: 15_000 });
}
