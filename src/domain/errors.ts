/**
 * Errors with a stable, machine-readable code. Services throw these; the HTTP layer maps each code to a
 * status in one table and the CLI prints the message. Never throw HTTP errors from the domain.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'policy_invalid'
  | 'policy_not_draft'
  | 'same_author'
  | 'no_active_policy'
  | 'unknown_person'
  | 'unknown_key'
  | 'unknown_cabinet'
  | 'person_inactive'
  | 'key_unavailable'
  | 'checkout_not_found'
  | 'decision_denied'
  | 'requirements_missing';

export class KeywardenError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'KeywardenError';
  }
}
