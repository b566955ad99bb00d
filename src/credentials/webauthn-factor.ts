/**
 * The fingerprint as one factor among others: adapts verifyFingerprint to the factor verification's
 * `FingerprintVerifier` shape (structurally, so neither module imports the other), mapping the detailed
 * reason onto the factor reasons and keeping it in `detail` for the audit entry.
 */
import type { Transaction } from 'kysely';
import type { DB } from '../store/schema.js';
import {
  type FingerprintFailureReason,
  failFingerprintCheck,
  verifyFingerprint,
  type WebauthnContext,
} from './webauthn.service.js';

export type FingerprintFactorResult =
  | { ok: true; credentialId: string }
  | { ok: false; reason: 'wrong_value' | 'no_credential' | 'replayed'; detail: FingerprintFailureReason };

export interface FingerprintFactorVerifier {
  /**
   * `assertion` is what startAuthentication() returned, or null when the browser got none (it rejected
   * with NotAllowedError: a failed finger, a cancel or a timeout), which is a failed factor too.
   */
  verify(
    trx: Transaction<DB>,
    person: string,
    assertion: unknown,
    at: Date,
  ): Promise<FingerprintFactorResult>;
}

/**
 * A verifier for one terminal session: the challenge must have been issued by
 * startFingerprintCheck(..., { sessionId }) with the same session.
 * @example const verifier = fingerprintFactorVerifier({ audit, rp }, { sessionId: session.id })
 */
export function fingerprintFactorVerifier(
  context: Omit<WebauthnContext, 'now'>,
  options: { sessionId?: string } = {},
): FingerprintFactorVerifier {
  return {
    async verify(trx, person, assertion, at) {
      const atContext: WebauthnContext = { ...context, now: () => at };
      const result =
        assertion === null || assertion === undefined
          ? await failFingerprintCheck(trx, atContext, person, options)
          : await verifyFingerprint(trx, atContext, person, assertion, options);
      if (result.ok) return { ok: true, credentialId: result.credentialId };
      return { ok: false, reason: factorReason(result.reason), detail: result.reason };
    },
  };
}

function factorReason(reason: FingerprintFailureReason): 'wrong_value' | 'no_credential' | 'replayed' {
  switch (reason) {
    case 'no_credential':
      return 'no_credential';
    case 'replayed_challenge':
    case 'counter_regressed':
      return 'replayed';
    default:
      return 'wrong_value';
  }
}
