import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { missingSchema } from './schemas';

export const sessionKeySchema = z.object({
  id: z.string(),
  label: z.string(),
  slot: z.number(),
  status: z.enum(['in', 'out', 'missing', 'retired']),
  sensitivity: z.enum(['normal', 'restricted', 'critical']),
  decision: z.object({
    outcome: z.enum(['allow', 'needs', 'deny']),
    code: z.string().optional(),
    missing: missingSchema.optional(),
    rule: z.string().nullable(),
    afterHours: z.boolean(),
    dueAt: z.string().nullable(),
    explanation: z.string(),
  }),
});
export type SessionKey = z.infer<typeof sessionKeySchema>;

export async function getSessionKeys(session: string, token: string, reason: string | null) {
  const query = reason ? `?reason=${encodeURIComponent(reason)}` : '';
  const answer = await apiRequest(
    `/api/v1/sessions/${encodeURIComponent(session)}/keys${query}`,
    z.object({ keys: z.array(sessionKeySchema) }),
    { bearer: token },
  );
  return answer.keys;
}

/** Keyed by the session's factors and witness too: adding one changes every decision. */
export function useSessionKeys(
  session: { id: string; factors: string[]; witness: string | null },
  token: string,
  reason: string | null,
) {
  return useQuery({
    queryKey: ['session-keys', session.id, session.factors.join(','), session.witness, reason],
    queryFn: () => getSessionKeys(session.id, token, reason),
  });
}
