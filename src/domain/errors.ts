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
  | 'web_not_built'
  | 'unknown_person'
  | 'unknown_key'
  | 'unknown_cabinet'
  | 'person_inactive'
  | 'key_unavailable'
  | 'checkout_not_found'
  | 'decision_denied'
  | 'requirements_missing'
  | 'authentication_failed'
  | 'cabinet_unauthorized'
  | 'session_expired'
  | 'locked_out'
  | 'key_not_in_cabinet'
  | 'no_rule'
  | 'outside_hours'
  | 'reason_not_allowed'
  | 'max_keys_out'
  | 'approval_not_found'
  | 'approval_not_usable'
  | 'pin_refused'
  | 'badge_invalid'
  | 'badge_in_use'
  | 'totp_already_enrolled'
  | 'credential_not_found'
  | 'console_unauthorized'
  | 'forbidden'
  // notifications
  | 'message_not_dead'
  | 'password_refused'
  | 'admin_exists'
  // notification rules, acknowledgements, incidents
  | 'ack_link_invalid'
  | 'ack_link_used'
  | 'resolution_required'
  | 'incident_closed'
  | 'rate_limited';

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
