/** Webhook endpoints: list, add (the signing secret is answered once), remove. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';

const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()),
  active: z.boolean(),
  secret: z.object({ set: z.boolean(), hint: z.string().nullable() }),
  createdAt: z.string(),
});
export type Webhook = z.infer<typeof webhookSchema>;

export function useWebhooks() {
  return useQuery({
    queryKey: ['settings', 'webhooks'],
    queryFn: async () =>
      (await apiRequest('/api/v1/notifications/webhooks', z.object({ webhooks: z.array(webhookSchema) })))
        .webhooks,
  });
}

export function useAddWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { url: string; description: string; eventTypes: string[] }) =>
      apiRequest('/api/v1/notifications/webhooks', z.object({ webhook: webhookSchema, secret: z.string() }), {
        method: 'POST',
        body,
        csrf: consoleCsrf(),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['settings', 'webhooks'] }),
  });
}

export function useRemoveWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      apiRequest(`/api/v1/notifications/webhooks/${encodeURIComponent(id)}`, z.unknown(), {
        method: 'DELETE',
        csrf: consoleCsrf(),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['settings', 'webhooks'] }),
  });
}
