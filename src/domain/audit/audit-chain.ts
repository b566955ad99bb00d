/**
 * The audit chain: each entry's hash is SHA-256(previous hash || canonical JSON of the entry), so changing,
 * removing, inserting or reordering any entry changes every hash after it.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an audit entry says; its hash covers every field. */
export interface AuditEntryContent {
  seq: number;
  /** ISO 8601 UTC. */
  at: string;
  /** e.g. `checkout`, `return`, `denied`, `policy.imported`, `auth.failed`. */
  type: string;
  actor: string | null;
  person: string | null;
  key: string | null;
  cabinet: string | null;
  policyVersion: number | null;
  /** Details (reason, factors, approver, ...): canonical JSON text when stored. */
  data: Record<string, unknown>;
}

/**
 * The hash of an entry that follows `previousHash`.
 * @example entryHash(GENESIS_HASH, { seq: 1, at: '2026-11-27T08:30:00.000Z', type: 'checkout', ... })
 */
export function entryHash(previousHash: string, entry: AuditEntryContent): string {
  return createHash('sha256').update(previousHash).update(canonicalJson(entry)).digest('hex');
}
