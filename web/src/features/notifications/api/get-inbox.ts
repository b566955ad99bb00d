/**
 * The signed-in person's inbox, live: GET /api/v1/inbox/events sends a hint for each new or read message
 * (EventSource sends the session cookie and reconnects by itself), and the list is re-read then.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const inboxSchema = z.object({
  messages: z.array(
    z.object({
      id: z.string(),
      event: z.string().nullable().optional(),
      eventType: z.string(),
      subject: z.string(),
      text: z.string(),
      createdAt: z.string(),
      readAt: z.string().nullable(),
    }),
  ),
  unread: z.number(),
});
export type Inbox = z.infer<typeof inboxSchema>;

export function getInbox(): Promise<Inbox> {
  return apiRequest('/api/v1/inbox?limit=50', inboxSchema);
}

export function useInbox() {
  const client = useQueryClient();
  useEffect(() => {
    const events = new EventSource('/api/v1/inbox/events');
    events.addEventListener('inbox', () => {
      void client.invalidateQueries({ queryKey: ['notifications', 'inbox'] });
    });
    return () => events.close();
  }, [client]);
  return useQuery({ queryKey: ['notifications', 'inbox'], queryFn: getInbox });
}
