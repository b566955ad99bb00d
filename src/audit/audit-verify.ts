/**
 * `audit verify`: the chain checked from the database, streamed in pages by seq, or from an export file with
 * nothing but a public key. Both feed the same pure verifier (domain/audit/verify-chain.ts).
 *
 * Reading the database needs no lock and no long transaction, so appends go on while it runs: the head is
 * read after the entries, and if entries appeared meanwhile they are read too before the head is compared.
 * Checkpoint signatures are checked on libuv's thread pool one page ahead of the hashing, because an
 * Ed25519 verification costs as much as a few hundred entry hashes.
 */

import type { KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Kysely } from 'kysely';
import {
  AuditChainVerifier,
  type ChainHead,
  type ChainVerification,
  publicKeyId,
  type StoredAuditEntry,
  type StoredCheckpoint,
  verifyCheckpointSignature,
} from '../domain/audit/verify-chain.js';
import type { DB } from '../store/schema.js';
import { EXPORT_FORMAT, EXPORT_VERSION } from './audit-export.js';
import {
  type EntryPageReader,
  openSqliteEntryReader,
  selectCheckpoints,
  selectEntryPage,
  selectHead,
  sqliteFileOf,
} from './audit-queries.js';
import { AuditKeyError, type AuditPublicKey, parseAuditPublicKey } from './audit-signing-key.js';
import {
  type ParallelVerifyOptions,
  verifyInParallel,
  verifySignatureOnThreadPool,
} from './audit-verify-parallel.js';

export const DEFAULT_PAGE_SIZE = 10_000;

export interface AuditVerifyReport extends ChainVerification {
  source: 'database' | 'file';
  /** The head the store records (null when an export has none). */
  head: ChainHead | null;
  /** The key the checkpoints were checked against. */
  keyId: string | null;
  /** True when the trusted key came from the auditor, not from the export being checked. */
  keyPinned: boolean;
  warnings: string[];
}

export class AuditExportFormatError extends Error {
  override name = 'AuditExportFormatError';
}

interface Page {
  entries: StoredAuditEntry[];
  checkpoints: StoredCheckpoint[];
}

/**
 * Verifies the log in the database.
 * @example const report = await verifyAuditDatabase(store.db, { publicKey }); report.ok
 */
export async function verifyAuditDatabase(
  db: Kysely<DB>,
  options: {
    publicKey?: KeyObject | null;
    pageSize?: number;
    /** The database URL: for a SQLite file, entries are read by a faster read-only connection of their own. */
    url?: string;
    /** The parallel fast path on a SQLite file with a trusted key (audit-verify-parallel.ts); false: never. */
    parallel?: ParallelVerifyOptions | false;
  } = {},
): Promise<AuditVerifyReport> {
  const file = options.url ? sqliteFileOf(options.url) : null;
  if (file !== null && options.publicKey && options.parallel !== false) {
    const fast = await verifyInParallel(db, file, options.publicKey, options.parallel ?? {});
    if (fast) {
      const keyId = publicKeyId(options.publicKey);
      return { ...fast, source: 'database', keyId, keyPinned: true, warnings: [] };
    }
  }
  if (file === null)
    return verifyWith(db, (afterSeq, limit) => selectEntryPage(db, afterSeq, limit), options);
  const reader = openSqliteEntryReader(db, file);
  try {
    return await verifyWith(db, reader.read, options);
  } finally {
    reader.close();
  }
}

async function verifyWith(
  db: Kysely<DB>,
  readEntries: EntryPageReader,
  options: { publicKey?: KeyObject | null; pageSize?: number },
): Promise<AuditVerifyReport> {
  const publicKey = options.publicKey ?? null;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const verdicts = new Map<StoredCheckpoint, boolean>();
  const verifier = new AuditChainVerifier({
    publicKey,
    verifySignature: (checkpoint) =>
      verdicts.get(checkpoint) ?? (publicKey !== null && verifyCheckpointSignature(checkpoint, publicKey)),
  });
  const trustedKeyId = publicKey ? publicKeyId(publicKey) : null;

  let lastRead: number | null = null;
  let checkpointsThrough: number | null = null;
  const fetchPage = async (): Promise<Page> => {
    const entries = await readEntries(lastRead, pageSize);
    const last = entries.at(-1);
    if (!last) return { entries, checkpoints: [] };
    const checkpoints = await selectCheckpoints(db, checkpointsThrough, last.seq);
    lastRead = last.seq;
    checkpointsThrough = last.seq;
    return { entries, checkpoints };
  };
  const checkSignatures = (checkpoints: StoredCheckpoint[]) =>
    publicKey
      ? verifySignaturesOnThreadPool(checkpoints, publicKey, trustedKeyId, verdicts)
      : Promise.resolve();

  let page = await fetchPage();
  await checkSignatures(page.checkpoints);
  let head: ChainHead | null = null;
  let headRead = false;
  while (!verifier.decided) {
    if (page.entries.length === 0) {
      // The end, unless entries were appended since: checkpoints, then head, then entries again, so any
      // checkpoint or head seen names entries that the last read can see.
      const rest = await selectCheckpoints(db, checkpointsThrough, null);
      head = await selectHead(db);
      headRead = true;
      page = await fetchPage();
      if (page.entries.length === 0) {
        await checkSignatures(rest);
        verifier.addCheckpoints(rest);
        break;
      }
      await checkSignatures(page.checkpoints);
      continue;
    }
    const next = fetchPage();
    const nextSignatures = next.then((fetched) => checkSignatures(fetched.checkpoints));
    // Hash this page while the next one's signatures are checked on the thread pool.
    verifier.addCheckpoints(page.checkpoints);
    verifier.addEntries(page.entries);
    for (const checkpoint of page.checkpoints) verdicts.delete(checkpoint);
    page = await next;
    await nextSignatures;
  }
  // Stopped early at a failure: the head is read for the report only.
  if (!headRead) head = await selectHead(db);
  const result = verifier.finish(head);
  return { ...result, source: 'database', head, keyId: trustedKeyId, keyPinned: true, warnings: [] };
}

/** Checks signatures in parallel on libuv's thread pool, recording each verdict by checkpoint. */
async function verifySignaturesOnThreadPool(
  checkpoints: readonly StoredCheckpoint[],
  publicKey: KeyObject,
  trustedKeyId: string | null,
  verdicts: Map<StoredCheckpoint, boolean>,
): Promise<void> {
  const trusted = checkpoints.filter((checkpoint) => checkpoint.keyId === trustedKeyId);
  const results = await Promise.all(
    trusted.map((checkpoint) => verifySignatureOnThreadPool(checkpoint, publicKey)),
  );
  for (const [index, checkpoint] of trusted.entries()) verdicts.set(checkpoint, results[index] === true);
}

/**
 * Verifies an export file (see audit-export.ts for the format). `trusted` pins the key the auditor trusts;
 * without it the export's own key is used, which proves consistency but not origin: whoever could rewrite
 * the file could also re-sign it with a key of their own.
 * @example const report = await verifyAuditExport('audit.jsonl', { trusted: readAuditPublicKey('key.pub.pem') })
 */
export async function verifyAuditExport(
  path: string,
  options: { trusted?: AuditPublicKey | null; pageSize?: number } = {},
): Promise<AuditVerifyReport> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const warnings: string[] = [];
  const input = createReadStream(path, 'utf8');
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  let verifier: AuditChainVerifier | null = null;
  let key: AuditPublicKey | null = options.trusted ?? null;
  const checkpoints: StoredCheckpoint[] = [];
  let entries: StoredAuditEntry[] = [];
  let entriesStarted = false;
  let head: ChainHead | null = null;

  const startEntries = () => {
    entriesStarted = true;
    checkpoints.sort((a, b) => a.seq - b.seq);
    (verifier as AuditChainVerifier).addCheckpoints(checkpoints);
  };

  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new AuditExportFormatError(`line ${lineNumber} is not JSON`);
    }
    if (typeof record !== 'object' || record === null) {
      throw new AuditExportFormatError(`line ${lineNumber} is not a record`);
    }
    if (verifier === null) {
      const header = readHeader(record, lineNumber);
      if (key === null) {
        key = header;
        warnings.push(
          "the export's own public key was used: pin the key you trust with --public-key, or a re-signed export would pass",
        );
      } else if (key.keyId !== header.keyId) {
        warnings.push(`the export names key ${header.keyId}, not the trusted key ${key.keyId}`);
      }
      verifier = new AuditChainVerifier({ publicKey: key.publicKey });
      continue;
    }
    if (head !== null) throw new AuditExportFormatError(`line ${lineNumber} follows the head line`);
    switch (record.record) {
      case 'checkpoint':
        if (entriesStarted)
          throw new AuditExportFormatError(`line ${lineNumber}: a checkpoint after the entries`);
        checkpoints.push(readCheckpoint(record, lineNumber));
        break;
      case 'entry':
        if (!entriesStarted) startEntries();
        entries.push(readEntry(record, lineNumber));
        if (entries.length >= pageSize) {
          verifier.addEntries(entries);
          entries = [];
          if (verifier.decided) {
            lines.close();
            input.destroy();
            return fileReport(verifier.finish(null), null, key, options.trusted != null, warnings);
          }
        }
        break;
      case 'head':
        if (!entriesStarted) startEntries();
        head = readHead(record, lineNumber);
        break;
      default:
        throw new AuditExportFormatError(`line ${lineNumber} is neither an entry, a checkpoint nor the head`);
    }
  }
  if (verifier === null) throw new AuditExportFormatError('the file is empty: it holds no export header');
  if (!entriesStarted) startEntries();
  verifier.addEntries(entries);
  return fileReport(verifier.finish(head), head, key, options.trusted != null, warnings);
}

function fileReport(
  result: ChainVerification,
  head: ChainHead | null,
  key: AuditPublicKey | null,
  keyPinned: boolean,
  warnings: string[],
): AuditVerifyReport {
  return { ...result, source: 'file', head, keyId: key?.keyId ?? null, keyPinned, warnings };
}

function readHeader(record: Record<string, unknown>, line: number): AuditPublicKey {
  if (record.record !== 'header' || record.format !== EXPORT_FORMAT) {
    throw new AuditExportFormatError(`line ${line} is not a Keywarden audit export header`);
  }
  if (record.version !== EXPORT_VERSION) {
    throw new AuditExportFormatError(
      `the export is version ${String(record.version)}; this Keywarden reads version ${EXPORT_VERSION}`,
    );
  }
  if (typeof record.publicKey !== 'string')
    throw new AuditExportFormatError('the export header has no public key');
  let key: AuditPublicKey;
  try {
    key = parseAuditPublicKey(record.publicKey, "the export's public key");
  } catch (error) {
    if (error instanceof AuditKeyError) throw new AuditExportFormatError(error.message);
    throw error;
  }
  if (record.keyId !== key.keyId) {
    throw new AuditExportFormatError("the export header's key id is not the id of its public key");
  }
  return key;
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isTextOrNull = (value: unknown): boolean => value === null || typeof value === 'string';
const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);

function readEntry(record: Record<string, unknown>, line: number): StoredAuditEntry {
  if (
    !isInteger(record.seq) ||
    !isText(record.at) ||
    !isText(record.type) ||
    !isTextOrNull(record.actor) ||
    !isTextOrNull(record.person) ||
    !isTextOrNull(record.key) ||
    !isTextOrNull(record.cabinet) ||
    !(record.policyVersion === null || isInteger(record.policyVersion)) ||
    !isText(record.data) ||
    !isText(record.prevHash) ||
    !isText(record.hash)
  ) {
    throw new AuditExportFormatError(`line ${line} is not a well-formed entry`);
  }
  // The parsed line already has the verifier's field names; the extra `record` field is ignored.
  return record as unknown as StoredAuditEntry;
}

function readCheckpoint(record: Record<string, unknown>, line: number): StoredCheckpoint {
  if (
    !isInteger(record.seq) ||
    !isText(record.hash) ||
    !isText(record.signedAt) ||
    !isText(record.signature) ||
    !isText(record.keyId)
  ) {
    throw new AuditExportFormatError(`line ${line} is not a well-formed checkpoint`);
  }
  return record as unknown as StoredCheckpoint;
}

function readHead(record: Record<string, unknown>, line: number): ChainHead {
  if (!isInteger(record.seq) || !isText(record.hash)) {
    throw new AuditExportFormatError(`line ${line} is not a well-formed head`);
  }
  return { seq: record.seq, hash: record.hash };
}
