/**
 * The signed-in person's inbox (recent alerts), kept live: the stream GET /api/v1/inbox/events sends a hint
 * at each new message (EventSource sends the session cookie), and every dashboard figure is re-read then,
 * since an alert usually means something on the dashboard changed.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const messageSchema = z.object({
  id: z.string(),
  eventType: z.string(),
  subject: z.string(),
  text: z.string(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
export type InboxMessage = z.infer<typeof messageSchema>;

export async function getInbox(): Promise<InboxMessage[]> {
  const answer = await apiRequest('/api/v1/inbox?limit=20', z.object({ messages: z.array(messageSchema) }));
  return answer.messages;
}

export function useInbox() {
  const client = useQueryClient();
  useEffect(() => {
    const events = new EventSource('/api/v1/inbox/events');
    events.addEventListener('inbox', () => {
      void client.invalidateQueries({ queryKey: ['dashboard'] });
    });
    return () => events.close();
  }, [client]);
  return useQuery({ queryKey: ['dashboard', 'inbox'], queryFn: getInbox });
}
