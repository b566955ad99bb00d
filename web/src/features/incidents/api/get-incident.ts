import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { incidentSchema } from './get-incidents';

export const incidentDetailSchema = incidentSchema.extend({
  timeline: z.array(
    z.object({
      at: z.string(),
      kind: z.enum(['opened', 'event', 'note', 'assigned', 'closed']),
      actor: z.string().nullable(),
      eventType: z.string().nullable(),
      event: z.string().nullable(),
      text: z.string().nullable(),
    }),
  ),
});
export type IncidentDetail = z.infer<typeof incidentDetailSchema>;

export function getIncident(id: string): Promise<IncidentDetail> {
  return apiRequest(`/api/v1/incidents/${encodeURIComponent(id)}`, incidentDetailSchema);
}

export function useIncident(id: string | null) {
  return useQuery({
    queryKey: ['incidents', 'one', id],
    queryFn: () => getIncident(id as string),
    enabled: id !== null,
  });
}
