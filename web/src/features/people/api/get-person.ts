import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { personSummarySchema } from './get-people';

const credentialSchema = z.object({
  id: z.string(),
  kind: z.string(),
  badgeEnding: z.string().optional(),
  label: z.string().nullable().optional(),
  credentialId: z.string().optional(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type PersonCredential = z.infer<typeof credentialSchema>;

export const lockoutSchema = z.object({
  locked: z.boolean(),
  lockedUntil: z.string().nullable(),
  consecutiveFailures: z.number(),
  lockouts: z.number(),
});

const personDetailSchema = personSummarySchema.extend({
  email: z.string().nullable(),
  phone: z.string().nullable(),
  updatedAt: z.string(),
  credentials: z.array(credentialSchema),
  lockout: lockoutSchema,
});
export type PersonDetail = z.infer<typeof personDetailSchema>;

export const personQueryKey = (id: string) => ['people', 'one', id] as const;

export async function getPerson(id: string): Promise<PersonDetail> {
  const answer = await apiRequest(
    `/api/v1/people/${encodeURIComponent(id)}`,
    z.object({ person: personDetailSchema }),
  );
  return answer.person;
}

export function usePerson(id: string) {
  return useQuery({ queryKey: personQueryKey(id), queryFn: () => getPerson(id) });
}
