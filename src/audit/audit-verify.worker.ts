/**
 * One worker of the parallel `audit verify` fast path (see audit-verify-parallel.ts): checks the entries
 * with afterSeq < seq <= throughSeq of a SQLite file through a read-only connection of its own. The SQL
 * builds each entry's canonical text, so a row arrives as four values and costs one SHA-256 here.
 *
 * It answers only "intact" with the range's ends (for the main thread to join ranges) and the hashes at
 * the checkpoint seqs it was given, or "not intact": it never names a failure. The sequential verifier
 * does that, so there is one place that classifies tampering.
 */
import * as crypto from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

// crypto.hash (Node >= 20.12) is about twice as fast as createHash for short inputs; package.json allows 20.11.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex: (text: string) => string = oneShotHash
  ? (text) => oneShotHash('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');

export interface RangeJob {
  file: string;
  /** Parameters in order: afterSeq, throughSeq, limit. Columns: seq, text, prev_hash, hash. */
  sql: string;
  afterSeq: number;
  throughSeq: number;
  pageSize: number;
  /** Seqs in this range whose hash the main thread needs for the checkpoints, ascending. */
  checkpointSeqs: number[];
}

export type RangeResult =
  | {
      intact: true;
      firstPrevHash: string;
      lastHash: string;
      checkpointHashes: string[];
    }
  | { intact: false; atSeq: number };

export function checkRange(job: RangeJob): RangeResult {
  const connection = new SqliteDatabase(job.file, { readonly: true, fileMustExist: true });
  try {
    connection.pragma('busy_timeout = 10000');
    const statement = connection.prepare(job.sql).raw(true);
    let expectedSeq = job.afterSeq + 1;
    let previousHash: string | null = null;
    let firstPrevHash: string | null = null;
    const checkpointHashes: string[] = [];
    let nextCheckpoint = 0;
    let after = job.afterSeq;
    while (after < job.throughSeq) {
      const rows = statement.all(after, job.throughSeq, job.pageSize) as [number, string, string, string][];
      if (rows.length === 0) return { intact: false, atSeq: expectedSeq };
      for (const [seq, text, prevHash, entryHash] of rows) {
        if (seq !== expectedSeq || (previousHash !== null && prevHash !== previousHash)) {
          return { intact: false, atSeq: expectedSeq };
        }
        if (typeof text !== 'string' || sha256Hex(text) !== entryHash) {
          return { intact: false, atSeq: seq };
        }
        firstPrevHash ??= prevHash;
        previousHash = entryHash;
        if (seq === job.checkpointSeqs[nextCheckpoint]) {
          checkpointHashes.push(entryHash);
          nextCheckpoint += 1;
        }
        expectedSeq += 1;
      }
      after = expectedSeq - 1;
    }
    if (firstPrevHash === null || previousHash === null) return { intact: false, atSeq: expectedSeq };
    return { intact: true, firstPrevHash, lastHash: previousHash, checkpointHashes };
  } finally {
    connection.close();
  }
}

if (parentPort && workerData) {
  parentPort.postMessage(checkRange(workerData as RangeJob));
}
