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
import { type Params, prepareQuery } from '../store/prepared-query.js';
import type { AuditEntryRow, DB } from '../store/schema.js';

// Every checkout and return appends an entry, so the three statements are compiled once (prepared-query.ts).
const readHead = prepareQuery((db) =>
  db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1),
);
// PostgreSQL: the head row stays locked until commit, so that appends from several processes queue here.
const readHeadForUpdate = prepareQuery((db) =>
  db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate(),
);
const insertEntry = prepareQuery((db, p: Params<AuditEntryRow>) =>
  db.insertInto('audit_entries').values({
    seq: p.seq,
    at: p.at,
    type: p.type,
    actor_id: p.actor_id,
    person_id: p.person_id,
    key_id: p.key_id,
    cabinet_id: p.cabinet_id,
    policy_version: p.policy_version,
    data: p.data,
    prev_hash: p.prev_hash,
    hash: p.hash,
  }),
);
/**
 * PostgreSQL: the entry and the head's move in one statement (a data-modifying CTE), one round trip fewer per
 * append. Both parts run in one statement of the same transaction, on the head row already locked above.
 */
const insertEntryAndMoveHead = prepareQuery((db, p: Params<AuditEntryRow>) =>
  db
    .with('moved', (db) =>
      db
        .updateTable('audit_head')
        .set({ seq: p.seq, hash: p.hash, updated_at: p.at })
        .where('id', '=', 1)
        .returning('seq'),
    )
    .insertInto('audit_entries')
    .values({
      seq: p.seq,
      at: p.at,
      type: p.type,
      actor_id: p.actor_id,
      person_id: p.person_id,
      key_id: p.key_id,
      cabinet_id: p.cabinet_id,
      policy_version: p.policy_version,
      data: p.data,
      prev_hash: p.prev_hash,
      hash: p.hash,
    }),
);
const moveHead = prepareQuery((db, p: Params<{ seq: number; hash: string; at: string }>) =>
  db.updateTable('audit_head').set({ seq: p.seq, hash: p.hash, updated_at: p.at }).where('id', '=', 1),
);

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
    const postgres = dialectOf(trx) === 'postgres';
    const head = await (postgres ? readHeadForUpdate : readHead).first(trx, {});
    if (!head) throw new Error('the audit head row is missing');

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
    const row: AuditEntryRow = {
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
    };
    if (postgres) {
      await insertEntryAndMoveHead.execute(trx, row);
    } else {
      await insertEntry.execute(trx, row);
      await moveHead.execute(trx, { seq: content.seq, hash, at: content.at });
    }
    const appended = { seq: content.seq, hash };
    await this.options.checkpoints?.afterAppend(trx, appended, content.at);
    return appended;
  }
}
