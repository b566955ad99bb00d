import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { personQueryKey } from './get-person';

const totpSchema = z.object({
  credential: z.string(),
  uri: z.string(),
  secret: z.string(),
  algorithm: z.string(),
  digits: z.number(),
  stepSeconds: z.number(),
});
export type TotpEnrolment = z.infer<typeof totpSchema>;

/** A new authenticator seed, answered once: shown as a QR code and as text, then gone. */
export async function enrolTotp(person: string, replace: boolean): Promise<TotpEnrolment> {
  return apiRequest(`/api/v1/people/${encodeURIComponent(person)}/totp`, totpSchema, {
    method: 'POST',
    body: replace ? { replace: true } : {},
    csrf: consoleCsrf(),
  });
}

export function useEnrolTotp(person: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (replace: boolean) => enrolTotp(person, replace),
    onSuccess: () => client.invalidateQueries({ queryKey: personQueryKey(person) }),
  });
}
