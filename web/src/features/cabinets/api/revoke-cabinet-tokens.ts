import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';

/** Revokes every token of the cabinet at once: its terminal is signed out until given a new one. */
export async function revokeCabinetTokens(cabinet: string): Promise<number> {
  const answer = await apiRequest(
    `/api/v1/cabinets/${encodeURIComponent(cabinet)}/tokens`,
    z.object({ revoked: z.number() }),
    { method: 'DELETE', csrf: consoleCsrf() },
  );
  return answer.revoked;
}

export function useRevokeCabinetTokens(cabinet: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => revokeCabinetTokens(cabinet),
    onSuccess: () => client.invalidateQueries({ queryKey: ['cabinets'] }),
  });
}
