/**
 * Revokes one badge or fingerprint by its credential id (never the badge number, which must not sit in a URL),
 * or the person's TOTP authenticator.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { personQueryKey } from './get-person';

export type Revocable = { kind: 'badge' | 'fingerprint'; credential: string } | { kind: 'totp' };

export async function revokeCredential(person: string, what: Revocable): Promise<void> {
  const base = `/api/v1/people/${encodeURIComponent(person)}`;
  const path =
    what.kind === 'totp'
      ? `${base}/totp`
      : `${base}/${what.kind === 'badge' ? 'badges' : 'fingerprints'}/${encodeURIComponent(what.credential)}`;
  await apiRequest(path, z.null(), { method: 'DELETE', csrf: consoleCsrf() });
}

export function useRevokeCredential(person: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (what: Revocable) => revokeCredential(person, what),
    onSuccess: () => client.invalidateQueries({ queryKey: personQueryKey(person) }),
  });
}
