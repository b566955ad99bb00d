/**
 * The parallel fast path of `audit verify` on a SQLite file: the entries up to the recorded head are cut
 * into ranges, each checked by a worker thread with its own read-only connection (audit-verify.worker.ts),
 * while the checkpoints' Ed25519 signatures are checked on libuv's thread pool. The main thread joins the
 * ranges (each range's first prev_hash must be the previous range's last hash) and compares each checkpoint
 * with the entry hash the workers saw at its seq.
 *
 * It can only say "intact". At the first doubt (a gap, a row beyond the head, a checkpoint it cannot
 * confirm, a hash that does not match, or an encoding the SQL writes differently from canonicalEntryText)
 * it answers null and the caller runs the sequential verifier, which names the first failure exactly. So a
 * tampered log costs one fast pass more, and an intact one is read once, in parallel.
 *
 * Why the canonical text is built in SQL: a row as four values instead of eleven halves the cost of reading
 * it, which is most of the work. json_quote escapes like JSON.stringify for every string the log holds in
 * practice; where it differs the hash cannot match, and the sequential verifier decides.
 */
import { type KeyObject, verify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Kysely, sql } from 'kysely';
import { GENESIS_HASH } from '../domain/audit/audit-chain.js';
import {
  type ChainVerification,
  checkpointStatement,
  publicKeyId,
  type StoredCheckpoint,
} from '../domain/audit/verify-chain.js';
import type { DB } from '../store/schema.js';
import { type StoredHead, selectCheckpoints, selectHead } from './audit-queries.js';
import type { RangeJob, RangeResult } from './audit-verify.worker.js';

export interface ParallelVerifyOptions {
  /** Worker threads; default: the machine's parallelism, at most 8. */
  workers?: number;
  /** Below this many entries one thread is faster than starting workers. Default 200,000. */
  minEntries?: number;
  pageSize?: number;
}

export interface ParallelVerification extends ChainVerification {
  head: StoredHead;
}

/** The SQL a worker runs: seq, canonical text (prev_hash || canonical JSON), prev_hash, hash. */
function rangeQuery(db: Kysely<DB>) {
  return db
    .selectFrom('audit_entries')
    .select([
      'seq',
      sql<string>`prev_hash || '{"actor":' || json_quote(actor_id) || ',"at":' || json_quote("at") || ',"cabinet":' || json_quote(cabinet_id) || ',"data":' || data || ',"key":' || json_quote(key_id) || ',"person":' || json_quote(person_id) || ',"policyVersion":' || coalesce(policy_version, 'null') || ',"seq":' || seq || ',"type":' || json_quote(type) || '}'`.as(
        'text',
      ),
      'prev_hash',
      'hash',
    ])
    .where('seq', '>', 0)
    .where('seq', '<=', 0)
    .orderBy('seq')
    .limit(1)
    .compile();
}

/** Starts the worker through tsx, as the CLI runs TypeScript sources with no build step. */
function runWorker(job: RangeJob): Promise<RangeResult> {
  const target = new URL('./audit-verify.worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); })`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap, { eval: true, workerData: job });
    worker.once('message', (result: RangeResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`audit verify worker stopped with code ${code}`));
    });
  });
}

/**
 * Verifies the log in the SQLite `file` in parallel; null when it is not certainly intact (or too small to
 * be worth it): then verify sequentially.
 */
export async function verifyInParallel(
  db: Kysely<DB>,
  file: string,
  publicKey: KeyObject,
  options: ParallelVerifyOptions = {},
): Promise<ParallelVerification | null> {
  const head = await selectHead(db);
  if (!head || head.seq < Math.max(1, options.minEntries ?? 200_000)) return null;
  const bounds = await db
    .selectFrom('audit_entries')
    .select((eb) => [eb.fn.min('seq').as('first'), eb.fn.countAll().as('count')])
    .executeTakeFirstOrThrow();
  // Exactly the seqs 1..head, nothing else (rows appended since the head was read wait for the next run).
  const beyond = await db
    .selectFrom('audit_entries')
    .select('seq')
    .where('seq', '>', head.seq)
    .limit(1)
    .execute();
  if (Number(bounds.first) !== 1 || Number(bounds.count) !== head.seq || beyond.length > 0) return null;

  const checkpoints = await selectCheckpoints(db, null, null);
  const trustedKeyId = publicKeyId(publicKey);
  for (let i = 0; i < checkpoints.length; i++) {
    const checkpoint = checkpoints[i] as StoredCheckpoint;
    const previous = checkpoints[i - 1];
    if (checkpoint.seq < 1 || checkpoint.seq > head.seq || checkpoint.keyId !== trustedKeyId) return null;
    if (previous && previous.seq >= checkpoint.seq) return null;
  }
  const signatures = Promise.all(
    checkpoints.map((checkpoint) => verifySignatureOnThreadPool(checkpoint, publicKey)),
  );

  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), 8, head.seq));
  const { sql: text } = rangeQuery(db);
  const jobs: RangeJob[] = [];
  for (let index = 0; index < workers; index++) {
    const afterSeq = Math.floor((head.seq * index) / workers);
    const throughSeq = Math.floor((head.seq * (index + 1)) / workers);
    jobs.push({
      file,
      sql: text,
      afterSeq,
      throughSeq,
      pageSize: options.pageSize ?? 10_000,
      checkpointSeqs: checkpoints
        .map((checkpoint) => checkpoint.seq)
        .filter((seq) => seq > afterSeq && seq <= throughSeq),
    });
  }
  const results = await Promise.all(jobs.map(runWorker));
  const signed = await signatures;

  let previousHash = GENESIS_HASH;
  const hashAt = new Map<number, string>();
  for (let index = 0; index < results.length; index++) {
    const result = results[index] as RangeResult;
    if (!result.intact || result.firstPrevHash !== previousHash) return null;
    previousHash = result.lastHash;
    const seqs = (jobs[index] as RangeJob).checkpointSeqs;
    for (const [i, seq] of seqs.entries()) hashAt.set(seq, result.checkpointHashes[i] as string);
  }
  if (previousHash !== head.hash) return null;
  for (let i = 0; i < checkpoints.length; i++) {
    const checkpoint = checkpoints[i] as StoredCheckpoint;
    if (hashAt.get(checkpoint.seq) !== checkpoint.hash || !signed[i]) return null;
  }
  return {
    ok: true,
    entries: head.seq,
    checkpoints: checkpoints.length,
    attestedThrough: checkpoints.at(-1)?.seq ?? 0,
    lastSeq: head.seq,
    lastHash: head.hash,
    failure: null,
    head,
  };
}

/**
 * One checkpoint's Ed25519 signature checked on libuv's thread pool (an Ed25519 check costs as much as a
 * few hundred entry hashes, so it runs beside the hashing).
 */
export function verifySignatureOnThreadPool(
  checkpoint: StoredCheckpoint,
  publicKey: KeyObject,
): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify(
        null,
        Buffer.from(checkpointStatement(checkpoint)),
        publicKey,
        Buffer.from(checkpoint.signature, 'base64'),
        (error, ok) => resolve(!error && ok),
      );
    } catch {
      resolve(false);
    }
  });
}
