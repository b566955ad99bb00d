import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

const keySchema = z.object({
  id: z.string(),
  label: z.string(),
  status: z.string(),
  sensitivity: z.string(),
});

/** Key id -> label, for showing keys by their names. */
export async function getKeyLabels(): Promise<Map<string, string>> {
  const answer = await apiRequest(
    '/api/v1/keys?limit=500',
    z.object({ keys: z.array(keySchema), next: z.string().nullable() }),
  );
  return new Map(answer.keys.map((key) => [key.id, key.label]));
}

export function useKeyLabels() {
  return useQuery({ queryKey: ['dashboard', 'key-labels'], queryFn: getKeyLabels, staleTime: 5 * 60_000 });
}
