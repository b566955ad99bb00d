import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

export const messageSchema = z.object({
  id: z.string(),
  eventId: z.string().nullable(),
  eventType: z.string(),
  rule: z.string().nullable(),
  channel: z.enum(['email', 'sms', 'webhook', 'in-app']),
  recipient: z.string().nullable(),
  address: z.string(),
  subject: z.string(),
  status: z.enum(['pending', 'sending', 'sent', 'dead']),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type DeliveryMessage = z.infer<typeof messageSchema>;

export interface MessageFilters {
  status?: string;
  channel?: string;
  eventType?: string;
}

export async function getMessages(filters: MessageFilters) {
  const query = new URLSearchParams({ limit: '100' });
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  return apiRequest(
    `/api/v1/notifications/messages?${query}`,
    z.object({ messages: z.array(messageSchema), next: z.string().nullable() }),
  );
}

export function useMessages(filters: MessageFilters, enabled: boolean) {
  return useQuery({
    queryKey: ['notifications', 'messages', filters],
    queryFn: () => getMessages(filters),
    placeholderData: keepPreviousData,
    enabled,
    refetchInterval: 15_000,
  });
}
