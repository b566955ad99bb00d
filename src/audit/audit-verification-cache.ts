/**
 * The audit chain's verification for the console: the latest result kept in memory with the time it was
 * made, so opening the audit page does not re-hash a million entries each time.
 *
 * - A result is reused while it is younger than `maxAgeMs` (default 10 minutes) AND the chain's head has
 *   not moved; a new entry since then (the head moved) makes the next read verify again, unless the last
 *   run finished less than `minIntervalMs` ago (default 1 minute), because on a busy system the head moves
 *   every few seconds and verifying on each page load is exactly the cost this cache exists to avoid.
 * - `refresh` asks for a fresh run (still at most one per `minIntervalMs`).
 * - Only one verification runs at a time: callers that arrive meanwhile wait for the same run.
 * The cache is per process: after a restart the first read verifies.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { selectHead } from './audit-queries.js';
import type { AuditPublicKey } from './audit-signing-key.js';
import { type AuditVerifyReport, verifyAuditDatabase } from './audit-verify.js';

export interface CachedVerification {
  report: AuditVerifyReport;
  /** When the verification finished (ISO 8601 UTC). */
  verifiedAt: string;
  /** How long it took, in milliseconds. */
  durationMs: number;
}

export interface AuditVerificationCacheOptions {
  db: Kysely<DB>;
  publicKey: AuditPublicKey;
  now: () => Date;
  /** The database URL: a SQLite file is verified by its faster read-only path (audit-verify.ts). */
  databaseUrl?: string;
  maxAgeMs?: number;
  minIntervalMs?: number;
}

export class AuditVerificationCache {
  private latest: CachedVerification | null = null;
  private running: Promise<CachedVerification> | null = null;
  private readonly maxAgeMs: number;
  private readonly minIntervalMs: number;

  constructor(private readonly options: AuditVerificationCacheOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.minIntervalMs = options.minIntervalMs ?? 60_000;
  }

  /** The latest verification, re-run when it is stale (see the file comment). */
  async get(options: { refresh?: boolean } = {}): Promise<CachedVerification & { cached: boolean }> {
    if (this.running) return { ...(await this.running), cached: false };
    const latest = this.latest;
    if (latest && !(await this.isStale(latest, options.refresh === true))) return { ...latest, cached: true };
    this.running = this.verify().finally(() => {
      this.running = null;
    });
    return { ...(await this.running), cached: false };
  }

  private async isStale(latest: CachedVerification, refresh: boolean): Promise<boolean> {
    const age = this.options.now().getTime() - Date.parse(latest.verifiedAt);
    if (age < this.minIntervalMs) return false;
    if (refresh || age >= this.maxAgeMs) return true;
    const head = await selectHead(this.options.db);
    return (head?.seq ?? 0) !== (latest.report.head?.seq ?? 0);
  }

  private async verify(): Promise<CachedVerification> {
    const started = performance.now();
    const report = await verifyAuditDatabase(this.options.db, {
      publicKey: this.options.publicKey.publicKey,
      url: this.options.databaseUrl,
    });
    const durationMs = Math.round(performance.now() - started);
    this.latest = { report, verifiedAt: this.options.now().toISOString(), durationMs };
    return this.latest;
  }
}
