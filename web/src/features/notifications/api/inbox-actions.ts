/** Marking an inbox message read, and acknowledging the event it announces (stops its escalation). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';

export function markRead(id: string) {
  return apiRequest(`/api/v1/inbox/${encodeURIComponent(id)}/read`, z.object({ readAt: z.string() }), {
    method: 'POST',
    csrf: consoleCsrf(),
  });
}

export function acknowledgeEvent(event: string) {
  return apiRequest(
    `/api/v1/notifications/events/${encodeURIComponent(event)}/acknowledge`,
    z.object({ event: z.string(), acknowledgedBy: z.string(), already: z.boolean() }),
    { method: 'POST', csrf: consoleCsrf() },
  );
}

export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: markRead,
    onSuccess: () => client.invalidateQueries({ queryKey: ['notifications', 'inbox'] }),
  });
}

export function useAcknowledgeEvent() {
  return useMutation({ mutationFn: acknowledgeEvent });
}
