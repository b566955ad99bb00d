/**
 * What the terminal needs from the credentials capability, as one interface: identify by badge, verify a
 * presented factor (audited, counted towards lockout), spend the same time for someone unknown, and say
 * whether a person is locked out. credentials/ implements it (createFactorChecks).
 */
import type { Kysely, Transaction } from 'kysely';
import type { FactorKind } from '../domain/policy/policy-file.js';
import type { DB } from '../store/schema.js';

export type PresentedFactor =
  | { kind: 'pin' | 'badge' | 'totp'; value: string }
  /** `assertion: null` reports that the browser got no assertion (a failed finger): a failed factor. */
  | { kind: 'fingerprint'; assertion: unknown };

export interface FactorResult {
  ok: boolean;
  /** Why not, for the audit log only: never shown to the terminal. */
  reason?: string;
}

export interface FactorChecks {
  identifyByBadge(db: Kysely<DB>, badge: string): Promise<string | null>;
  verify(
    trx: Transaction<DB>,
    person: string,
    factor: PresentedFactor,
    /** `session` binds a fingerprint check to the challenge issued for that session. */
    where: { cabinet: string; session?: string | null },
  ): Promise<FactorResult>;
  spendVerificationTime(kind: FactorKind): Promise<void>;
  /** ISO time until which the person is locked out of every cabinet, or null. */
  lockedUntil(db: Kysely<DB>, person: string): Promise<string | null>;
  /** A sign-in succeeded (every factor verified): resets the failure count and the lockout doubling. */
  signedIn(trx: Transaction<DB>, person: string, where: { cabinet: string }): Promise<void>;
}
