/**
 * A decision request as the CLI's batch lines and the API carry it
 * (`{ person, key, at, factors, reason, approver, witness, keysOut }`), checked and turned into decide()'s
 * arguments. Times without a UTC offset are read in the key's site timezone.
 */
import { DateTime } from 'luxon';
import type { CompiledPolicy } from '../domain/policy/compile-policy.js';
import type { DecisionContext } from '../domain/policy/decide.js';
import { FACTOR_KINDS, type FactorKind } from '../domain/policy/policy-file.js';

export interface DecisionRequest {
  person: string;
  key: string;
  instantMs: number;
  context: DecisionContext;
}

export interface RequestError {
  code: 'invalid_request' | 'unknown_person' | 'unknown_key';
  message: string;
}

const HAS_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const FACTOR_SET = new Set<string>(FACTOR_KINDS);
const FIELDS = new Set(['person', 'key', 'at', 'factors', 'reason', 'approver', 'witness', 'keysOut']);

/**
 * Parses an ISO 8601 instant; without an offset it is a local time at the site's timezone.
 * @example parseInstant('2026-11-27T02:30', 'America/Chicago') // Date.parse('2026-11-27T08:30:00Z')
 */
export function parseInstant(text: string, timezone: string): number | null {
  if (HAS_OFFSET.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms) && /^\d{4}-\d{2}-\d{2}T/.test(text)) return ms;
  }
  const local = DateTime.fromISO(text, { zone: HAS_OFFSET.test(text) ? 'utc' : timezone, setZone: false });
  return local.isValid ? local.toMillis() : null;
}

function optionalText(value: unknown, field: string): string | null | RequestError {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value !== '') return value;
  return { code: 'invalid_request', message: `"${field}" must be an id (text)` };
}

/** Checks one request object against a compiled policy; returns the decide() arguments or an error. */
export function readDecisionRequest(policy: CompiledPolicy, input: unknown): DecisionRequest | RequestError {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { code: 'invalid_request', message: 'a request must be an object with person, key and at' };
  }
  const request = input as Record<string, unknown>;
  for (const field of Object.keys(request)) {
    if (!FIELDS.has(field)) return { code: 'invalid_request', message: `unknown field "${field}"` };
  }
  if (typeof request.person !== 'string')
    return { code: 'invalid_request', message: '"person" must be a person id' };
  if (typeof request.key !== 'string') return { code: 'invalid_request', message: '"key" must be a key id' };
  const key = policy.keys.get(request.key);
  if (!policy.people.has(request.person))
    return { code: 'unknown_person', message: `unknown person "${request.person}"` };
  if (!key) return { code: 'unknown_key', message: `unknown key "${request.key}"` };
  if (typeof request.at !== 'string')
    return { code: 'invalid_request', message: '"at" must be an ISO 8601 time' };
  const instantMs = parseInstant(request.at, key.site.timezone);
  if (instantMs === null)
    return { code: 'invalid_request', message: `"at": "${request.at}" is not an ISO 8601 time` };

  const factors = request.factors ?? [];
  if (!Array.isArray(factors) || factors.some((kind) => typeof kind !== 'string' || !FACTOR_SET.has(kind))) {
    return { code: 'invalid_request', message: `"factors" must be a list of ${FACTOR_KINDS.join(', ')}` };
  }
  const keysOut = request.keysOut ?? 0;
  if (typeof keysOut !== 'number' || !Number.isInteger(keysOut) || keysOut < 0) {
    return { code: 'invalid_request', message: '"keysOut" must be a whole number, 0 or more' };
  }
  const reason = optionalText(request.reason, 'reason');
  const approver = optionalText(request.approver, 'approver');
  const witness = optionalText(request.witness, 'witness');
  for (const value of [reason, approver, witness])
    if (value !== null && typeof value === 'object') return value;
  return {
    person: request.person,
    key: request.key,
    instantMs,
    context: {
      factors: factors as FactorKind[],
      reason: reason as string | null,
      approver: approver as string | null,
      witness: witness as string | null,
      keysOut,
    },
  };
}
