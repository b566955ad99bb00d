import { useQuery } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { type Key, keySchema } from './get-keys';

export async function getKey(id: string): Promise<Key> {
  const answer = await apiRequest(`/api/v1/keys/${encodeURIComponent(id)}`, z.object({ key: keySchema }));
  return answer.key;
}

export function useKey(id: string) {
  return useQuery({ queryKey: ['keys', 'one', id], queryFn: () => getKey(id), refetchInterval: 30_000 });
}
