/** The three changes an incident takes: a note, a new owner, closing with a resolution (each audited). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { incidentDetailSchema } from './get-incident';

export type IncidentChange =
  | { id: string; action: 'notes'; body: { text: string } }
  | { id: string; action: 'assign'; body: { owner: string } }
  | { id: string; action: 'close'; body: { resolution: string } };

export function changeIncident(change: IncidentChange) {
  return apiRequest(
    `/api/v1/incidents/${encodeURIComponent(change.id)}/${change.action}`,
    incidentDetailSchema,
    {
      method: 'POST',
      body: change.body,
      csrf: consoleCsrf(),
    },
  );
}

export function useChangeIncident() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: changeIncident,
    onSuccess: (incident) => {
      client.setQueryData(['incidents', 'one', incident.id], incident);
      void client.invalidateQueries({ queryKey: ['incidents', 'list'] });
    },
  });
}
