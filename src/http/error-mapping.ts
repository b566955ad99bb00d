/**
 * The one table that maps error codes to HTTP statuses, and the error handler that writes every error as
 * `{ "error": { "code", "message", "details"? } }`. Unknown errors become a logged 500 with no internals.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type ErrorCode, KeywardenError } from '../domain/errors.js';

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_request: 400,
  policy_invalid: 422,
  not_found: 404,
  unknown_person: 404,
  unknown_key: 404,
  unknown_cabinet: 404,
  checkout_not_found: 404,
  policy_not_draft: 409,
  same_author: 409,
  key_unavailable: 409,
  no_active_policy: 503,
  web_not_built: 503,
  person_inactive: 403,
  decision_denied: 403,
  requirements_missing: 403,
  authentication_failed: 401,
  cabinet_unauthorized: 401,
  session_expired: 401,
  locked_out: 403,
  key_not_in_cabinet: 409,
  no_rule: 403,
  outside_hours: 403,
  reason_not_allowed: 403,
  max_keys_out: 403,
  approval_not_found: 404,
  approval_not_usable: 409,
  pin_refused: 422,
  badge_invalid: 422,
  badge_in_use: 409,
  totp_already_enrolled: 409,
  credential_not_found: 404,
  console_unauthorized: 401,
  forbidden: 403,
  message_not_dead: 409,
  password_refused: 422,
  admin_exists: 409,
  // notification rules, acknowledgements, incidents
  ack_link_invalid: 404,
  ack_link_used: 409,
  resolution_required: 422,
  incident_closed: 409,
  rate_limited: 429,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof KeywardenError) {
      return reply
        .status(STATUS_BY_CODE[error.code])
        .send(errorBody(error.code, error.message, error.details));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const problems = error.validation.map((issue) => ({
        path: `${error.validationContext ?? 'request'}${issue.instancePath.replaceAll('/', '.')}`,
        message: issue.message,
      }));
      return reply
        .status(400)
        .send(
          errorBody(
            'invalid_request',
            `invalid ${error.validationContext ?? 'request'}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
            { problems },
          ),
        );
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      const code =
        error.statusCode === 429
          ? 'rate_limited'
          : error.statusCode === 415
            ? 'unsupported_media_type'
            : 'invalid_request';
      return reply.status(error.statusCode).send(errorBody(code, error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .status(500)
      .send(errorBody('internal_error', 'something went wrong on the server; it has been logged'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(errorBody('not_found', `no such endpoint: ${request.method} ${request.url.split('?')[0]}`)),
  );
}
