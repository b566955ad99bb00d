/** SMTP and SMS settings: read (secrets come back only as set + hint), save, and a test message. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';

const secretShown = z.object({ set: z.boolean(), hint: z.string().nullable() });
const smtpSchema = z.object({
  host: z.string(),
  port: z.number(),
  security: z.enum(['tls', 'starttls', 'none']),
  user: z.string().nullable(),
  from: z.string(),
  password: secretShown,
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type SmtpSettings = z.infer<typeof smtpSchema>;
const smsSchema = z.object({
  baseUrl: z.string(),
  accountSid: z.string(),
  from: z.string(),
  authToken: secretShown,
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type SmsSettings = z.infer<typeof smsSchema>;

export function useSmtpSettings() {
  return useQuery({
    queryKey: ['settings', 'smtp'],
    queryFn: async () =>
      (await apiRequest('/api/v1/notifications/settings/smtp', z.object({ smtp: smtpSchema.nullable() })))
        .smtp,
  });
}

export function useSmsSettings() {
  return useQuery({
    queryKey: ['settings', 'sms'],
    queryFn: async () =>
      (await apiRequest('/api/v1/notifications/settings/sms', z.object({ sms: smsSchema.nullable() }))).sms,
  });
}

export function useSaveChannelSettings(channel: 'smtp' | 'sms') {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      apiRequest(`/api/v1/notifications/settings/${channel}`, z.unknown(), {
        method: 'PUT',
        body,
        csrf: consoleCsrf(),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['settings', channel] }),
  });
}

export function useSendTestMessage() {
  return useMutation({
    mutationFn: (to: string) =>
      apiRequest(
        '/api/v1/notifications/test',
        z.object({
          channel: z.string(),
          status: z.string(),
          error: z.string().nullable(),
          waitingForSettings: z.boolean(),
        }),
        { method: 'POST', body: { to }, csrf: consoleCsrf() },
      ),
  });
}
