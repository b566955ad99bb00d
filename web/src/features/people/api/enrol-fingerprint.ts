/**
 * Fingerprint enrolment from the console: options from the server, the reader of this device (through
 * @simplewebauthn/browser), then the registration back to the server. The credential lives in the
 * authenticator that made it (docs/fingerprints.md, "Where to enrol").
 */
import { startRegistration } from '@simplewebauthn/browser';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { ApiError, apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { getFingerprintOptions } from './get-fingerprint-options';
import { personQueryKey } from './get-person';

export async function enrolFingerprint(person: string, label: string): Promise<void> {
  const options = await getFingerprintOptions(person);
  let registration: unknown;
  try {
    registration = await startRegistration({ optionsJSON: options });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError(
      0,
      'reader_refused',
      `This device's reader did not make a credential (${reason}). Check that it has a fingerprint reader, then try again.`,
    );
  }
  await apiRequest(`/api/v1/people/${encodeURIComponent(person)}/fingerprints`, z.unknown(), {
    method: 'POST',
    body: { registration, ...(label.trim() ? { label: label.trim() } : {}) },
    csrf: consoleCsrf(),
  });
}

export function useEnrolFingerprint(person: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (label: string) => enrolFingerprint(person, label),
    onSuccess: () => client.invalidateQueries({ queryKey: personQueryKey(person) }),
  });
}
