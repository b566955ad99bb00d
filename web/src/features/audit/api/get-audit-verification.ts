import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const verificationSchema = z.object({
  ok: z.boolean(),
  entries: z.number(),
  checkpoints: z.number(),
  attestedThrough: z.number(),
  lastSeq: z.number(),
  head: z.object({ seq: z.number(), hash: z.string() }).nullable(),
  keyId: z.string().nullable(),
  failure: z.object({ kind: z.string(), seq: z.number(), message: z.string() }).nullable(),
  warnings: z.array(z.string()),
  verifiedAt: z.string(),
  durationMs: z.number(),
  cached: z.boolean(),
});
export type AuditVerification = z.infer<typeof verificationSchema>;

/** The latest verification; the server re-runs it when stale and caches it (refresh: ask for a new run). */
export async function getAuditVerification(refresh = false): Promise<AuditVerification> {
  const answer = await apiRequest(
    `/api/v1/audit-verification${refresh ? '?refresh=true' : ''}`,
    z.object({ verification: verificationSchema }),
  );
  return answer.verification;
}

export function useAuditVerification() {
  return useQuery({ queryKey: ['audit', 'verification'], queryFn: () => getAuditVerification() });
}
