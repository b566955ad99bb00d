/**
 * Appending to the hash-chained audit log, inside the caller's transaction, so that an entry exists exactly
 * when the change it describes does. The head row is locked while an entry is appended (FOR UPDATE on
 * PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the only write lock), so sequence numbers are
 * contiguous and the chain never forks, however many server processes append at once.
 */
import type { Transaction } from 'kysely';
import { type AuditEntryContent, entryHash } from '../domain/audit/audit-chain.js';
import { canonicalJson } from '../domain/audit/canonical-json.js';
import { dialectOf } from '../store/dialect-of.js';
import type { DB } from '../store/schema.js';

export interface NewAuditEntry {
  type: string;
  /** ISO 8601 UTC; the log's clock when absent. */
  at?: string;
  actor?: string | null;
  person?: string | null;
  key?: string | null;
  cabinet?: string | null;
  policyVersion?: number | null;
  data?: Record<string, unknown>;
}

export interface AppendedEntry {
  seq: number;
  hash: string;
}

/** Signs a checkpoint of the chain head; implemented by audit-checkpoints.ts with a key kept outside the database. */
export interface CheckpointWriter {
  /** Called inside the append transaction after each entry; writes a checkpoint when one is due. */
  afterAppend(trx: Transaction<DB>, head: AppendedEntry, at: string): Promise<void>;
}

export interface AuditLogOptions {
  now?: () => Date;
  checkpoints?: CheckpointWriter;
}

export class AuditLog {
  private readonly now: () => Date;

  constructor(private readonly options: AuditLogOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  /** Appends one entry in `trx`; returns its sequence number and hash. Never include secrets in `data`. */
  async append(trx: Transaction<DB>, entry: NewAuditEntry): Promise<AppendedEntry> {
    let headQuery = trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
    if (dialectOf(trx) === 'postgres') headQuery = headQuery.forUpdate();
    const head = await headQuery.executeTakeFirstOrThrow();

    const content: AuditEntryContent = {
      seq: head.seq + 1,
      at: entry.at ?? this.now().toISOString(),
      type: entry.type,
      actor: entry.actor ?? null,
      person: entry.person ?? null,
      key: entry.key ?? null,
      cabinet: entry.cabinet ?? null,
      policyVersion: entry.policyVersion ?? null,
      data: entry.data ?? {},
    };
    const hash = entryHash(head.hash, content);
    await trx
      .insertInto('audit_entries')
      .values({
        seq: content.seq,
        at: content.at,
        type: content.type,
        actor_id: content.actor,
        person_id: content.person,
        key_id: content.key,
        cabinet_id: content.cabinet,
        policy_version: content.policyVersion,
        data: canonicalJson(content.data),
        prev_hash: head.hash,
        hash,
      })
      .execute();
    await trx
      .updateTable('audit_head')
      .set({ seq: content.seq, hash, updated_at: content.at })
      .where('id', '=', 1)
      .execute();
    const appended = { seq: content.seq, hash };
    await this.options.checkpoints?.afterAppend(trx, appended, content.at);
    return appended;
  }
}
