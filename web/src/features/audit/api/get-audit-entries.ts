import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const entrySchema = z.object({
  seq: z.number(),
  at: z.string(),
  type: z.string(),
  actor: z.string().nullable(),
  person: z.string().nullable(),
  key: z.string().nullable(),
  cabinet: z.string().nullable(),
  policyVersion: z.number().nullable(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof entrySchema>;

export interface AuditFilters {
  type?: string;
  person?: string;
  key?: string;
  /** ISO 8601 UTC. */
  from?: string;
  to?: string;
  cursor?: string;
}

const pageSchema = z.object({ entries: z.array(entrySchema), next: z.string().nullable() });

export async function getAuditEntries(filters: AuditFilters): Promise<z.infer<typeof pageSchema>> {
  const query = new URLSearchParams({ limit: '50' });
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  return apiRequest(`/api/v1/audit-entries?${query}`, pageSchema);
}

export function useAuditEntries(filters: AuditFilters) {
  return useQuery({
    queryKey: ['audit', 'entries', filters],
    queryFn: () => getAuditEntries(filters),
    placeholderData: keepPreviousData,
  });
}
