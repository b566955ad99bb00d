/**
 * Signed checkpoints of the audit chain's head: every 100 entries, inside the transaction that appends the
 * hundredth, and once a minute when the head has moved since the last checkpoint. A checkpoint is what makes
 * a rewrite of the whole chain detectable: without the signing key nobody can sign the rewritten head.
 */

import type { KeyObject } from 'node:crypto';
import { sign } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { checkpointStatement, type StoredCheckpoint } from '../domain/audit/verify-chain.js';
import { dialectOf } from '../store/dialect-of.js';
import type { DB } from '../store/schema.js';
import type { AppendedEntry, CheckpointWriter } from './audit-log.js';

export const CHECKPOINT_EVERY_ENTRIES = 100;
export const CHECKPOINT_INTERVAL_MS = 60_000;

export interface AuditCheckpointsOptions {
  /** The signing key (see loadOrCreateAuditSigningKey). */
  key: { privateKey: KeyObject; keyId: string };
  /** Entries between checkpoints written by appends (default 100). */
  every?: number;
  now?: () => Date;
}

/** Signs and stores checkpoints; give it to `new AuditLog({ checkpoints })`. */
export class AuditCheckpoints implements CheckpointWriter {
  private readonly every: number;
  private readonly now: () => Date;

  constructor(private readonly options: AuditCheckpointsOptions) {
    this.every = options.every ?? CHECKPOINT_EVERY_ENTRIES;
    this.now = options.now ?? (() => new Date());
    if (!Number.isSafeInteger(this.every) || this.every < 1) {
      throw new RangeError(
        `checkpoints every ${this.every} entries: it must be a whole number of at least 1`,
      );
    }
  }

  /** Signs a checkpoint of `head` now. */
  sign(head: { seq: number; hash: string }): StoredCheckpoint {
    const signedAt = this.now().toISOString();
    const statement = checkpointStatement({ seq: head.seq, hash: head.hash, signedAt });
    const signature = sign(null, Buffer.from(statement), this.options.key.privateKey).toString('base64');
    return { seq: head.seq, hash: head.hash, signedAt, signature, keyId: this.options.key.keyId };
  }

  async afterAppend(trx: Transaction<DB>, head: AppendedEntry): Promise<void> {
    if (head.seq % this.every === 0) await insertCheckpoint(trx, this.sign(head));
  }

  /**
   * Signs the current head when it has moved since the last checkpoint; returns the checkpoint written, if
   * any. Takes the head's lock, so it never races an append or another process's timer. Given a
   * transaction, it works inside it.
   */
  async checkpointIfDue(db: Kysely<DB>): Promise<StoredCheckpoint | null> {
    if (db.isTransaction) return this.checkpointHead(db as Transaction<DB>);
    return db.transaction().execute((trx) => this.checkpointHead(trx));
  }

  private async checkpointHead(trx: Transaction<DB>): Promise<StoredCheckpoint | null> {
    let headQuery = trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
    if (dialectOf(trx) === 'postgres') headQuery = headQuery.forUpdate();
    const head = await headQuery.executeTakeFirstOrThrow();
    if (head.seq === 0) return null;
    const last = await trx
      .selectFrom('audit_checkpoints')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    if (last?.seq != null && Number(last.seq) >= head.seq) return null;
    const checkpoint = this.sign(head);
    await insertCheckpoint(trx, checkpoint);
    return checkpoint;
  }
}

async function insertCheckpoint(trx: Transaction<DB>, checkpoint: StoredCheckpoint): Promise<void> {
  await trx
    .insertInto('audit_checkpoints')
    .values({
      seq: checkpoint.seq,
      hash: checkpoint.hash,
      signed_at: checkpoint.signedAt,
      signature: checkpoint.signature,
      key_id: checkpoint.keyId,
    })
    .execute();
}

export interface CheckpointTimer {
  /** Stops the timer and waits for a checkpoint being written. */
  stop(): Promise<void>;
}

/**
 * Checkpoints the head every minute (when it moved). The timer does not keep the process alive; errors go to
 * `onError` (a busy or unreachable database must not stop the server) and the next tick tries again.
 * @example const timer = startCheckpointTimer(store.db, checkpoints, { onError: (e) => log.error(e) })
 */
export function startCheckpointTimer(
  db: Kysely<DB>,
  checkpoints: AuditCheckpoints,
  options: { intervalMs?: number; onError?: (error: unknown) => void } = {},
): CheckpointTimer {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = checkpoints
      .checkpointIfDue(db)
      .then(
        () => undefined,
        (error: unknown) => options.onError?.(error),
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.intervalMs ?? CHECKPOINT_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
