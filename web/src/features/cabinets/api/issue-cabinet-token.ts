import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';

/** A new terminal token: the answer is the only time it is ever shown (only its SHA-256 is kept). */
export async function issueCabinetToken(cabinet: string): Promise<{ id: string; token: string }> {
  return apiRequest(
    `/api/v1/cabinets/${encodeURIComponent(cabinet)}/tokens`,
    z.object({ id: z.string(), token: z.string() }),
    { method: 'POST', body: {}, csrf: consoleCsrf() },
  );
}

export function useIssueCabinetToken(cabinet: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => issueCabinetToken(cabinet),
    onSuccess: () => client.invalidateQueries({ queryKey: ['cabinets'] }),
  });
}
