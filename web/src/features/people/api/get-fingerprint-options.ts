import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';

/** Fresh WebAuthn creation options for the person (user verification required; valid two minutes). */
export async function getFingerprintOptions(person: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const answer = await apiRequest(
    `/api/v1/people/${encodeURIComponent(person)}/fingerprint-enrolment-options`,
    z.object({ options: z.record(z.string(), z.unknown()) }),
    { method: 'POST', body: {}, csrf: consoleCsrf() },
  );
  return answer.options as unknown as PublicKeyCredentialCreationOptionsJSON;
}
