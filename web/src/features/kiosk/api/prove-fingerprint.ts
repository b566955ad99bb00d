/**
 * The fingerprint factor: fresh WebAuthn options from GET /sessions/{id}/fingerprint-options, the reader
 * (navigator.credentials through @simplewebauthn/browser), then the assertion as a factor. A finger the
 * reader refuses is sent as `assertion: null`, so the server counts the failure towards the lockout.
 */
import { type PublicKeyCredentialRequestOptionsJSON, startAuthentication } from '@simplewebauthn/browser';
import { useMutation } from '@tanstack/react-query';
import { z } from 'zod';
import { ApiError, apiRequest } from '../../../lib/api-client';
import { addFactor } from './add-factor';
import type { TerminalSession } from './schemas';

export async function getFingerprintOptions(session: string, token: string) {
  const answer = await apiRequest(
    `/api/v1/sessions/${encodeURIComponent(session)}/fingerprint-options`,
    z.object({ options: z.record(z.string(), z.unknown()) }),
    { bearer: token },
  );
  return answer.options as unknown as PublicKeyCredentialRequestOptionsJSON;
}

export async function proveFingerprint(session: string, token: string): Promise<TerminalSession> {
  const options = await getFingerprintOptions(session, token);
  let assertion: Record<string, unknown> | null = null;
  try {
    assertion = (await startAuthentication({ optionsJSON: options })) as unknown as Record<string, unknown>;
  } catch {
    assertion = null;
  }
  const updated = await addFactor(session, token, { kind: 'fingerprint', assertion }).catch((error) => {
    if (error instanceof ApiError && error.code === 'authentication_failed') {
      throw new ApiError(401, 'fingerprint_refused', 'Fingerprint not recognised.');
    }
    throw error;
  });
  return updated;
}

export function useFingerprint(session: string, token: string) {
  return useMutation({ mutationFn: () => proveFingerprint(session, token) });
}
