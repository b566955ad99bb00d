/** What the kiosk says, in plain words, for the API's codes and a decision's missing requirements. */
import type { Missing } from '../api/schemas';

const REFUSALS: Record<string, string> = {
  no_rule: 'You are not permitted to take this key.',
  outside_hours: 'This key cannot be taken at this time.',
  reason_not_allowed: 'That reason is not allowed for this key now. Choose another reason.',
  max_keys_out: 'You already hold as many keys as you may. Return a key first.',
  person_inactive: 'Your account is not active. Ask a key manager.',
  locked_out: 'You are locked out after too many failed attempts. Wait a few minutes or ask your supervisor.',
  key_unavailable: 'Someone else has this key now. Choose another key.',
  key_not_in_cabinet: 'This key is not in this cabinet now.',
  approval_not_usable: 'The approval can no longer be used. Ask again.',
  session_expired: 'Your session has ended. Sign in again.',
  authentication_failed: 'Not recognised. Check your badge or ID and PIN and try again.',
  cabinet_unauthorized:
    "This kiosk's cabinet token is not valid any more. Ask an administrator to set it up.",
  network_error: 'The server cannot be reached. Try again in a moment; if it persists, call the front desk.',
};

export function refusalInWords(code: string, fallback?: string): string {
  return REFUSALS[code] ?? fallback ?? 'That did not work. Try again, or ask your supervisor.';
}

const FACTOR_NAMES = { pin: 'PIN', badge: 'badge', fingerprint: 'fingerprint', totp: 'authenticator code' };

export function factorName(kind: keyof typeof FACTOR_NAMES): string {
  return FACTOR_NAMES[kind];
}

/** "a, b or c" */
function orList(words: string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** "one more factor (fingerprint or authenticator code)", "a reason", ... */
export function missingInWords(missing: Missing | undefined): string[] {
  if (!missing) return [];
  const words: string[] = [];
  if (missing.factors || missing.factorKinds?.length) {
    const count = missing.factors ?? 1;
    const kinds = missing.factorKinds?.length
      ? orList(missing.factorKinds.map(factorName))
      : 'fingerprint or authenticator code';
    words.push(`${count === 1 ? 'one more factor' : `${count} more factors`} (${kinds})`);
  }
  if (missing.reason) words.push('a reason');
  if (missing.witness) words.push('a witness to sign in');
  if (missing.approval) {
    words.push(missing.approval === 'supervisor' ? "your supervisor's approval" : 'an approval');
  }
  return words;
}
