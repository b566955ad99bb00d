import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const rulesSchema = z.object({
  version: z.number().nullable(),
  rules: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['notification', 'consequence', 'system']),
      on: z.array(z.string()),
      to: z.array(z.string()),
      via: z.array(z.string()),
      escalate: z.string().nullable(),
    }),
  ),
});
export type NotificationRules = z.infer<typeof rulesSchema>;

/** The active policy's message-writing rules, with the ids their templates are stored under. */
export function getRules(): Promise<NotificationRules> {
  return apiRequest('/api/v1/notifications/rules', rulesSchema);
}

export function useRules() {
  return useQuery({ queryKey: ['notifications', 'rules'], queryFn: getRules });
}
