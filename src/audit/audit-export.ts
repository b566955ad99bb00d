/**
 * `audit export`: the log as JSON Lines that anyone can verify with the public key alone.
 *
 *   {"record":"header","format":"keywarden-audit-export","version":1,"exportedAt":…,"publicKey":"-----BEGIN PUBLIC KEY…","keyId":…,…}
 *   {"record":"checkpoint","seq":100,"hash":…,"signedAt":…,"signature":…,"keyId":…}      (ascending seq)
 *   {"record":"entry","seq":1,"at":…,"type":…,"actor":…,"person":…,"key":…,"cabinet":…,"policyVersion":…,"data":"{…}","prevHash":…,"hash":…}
 *   {"record":"head","seq":…,"hash":…,"updatedAt":…}
 *
 * Checkpoints come before the entries so the file verifies in one pass, even from a pipe. `data` stays the
 * stored canonical text, not a parsed object, so the bytes that were hashed are the bytes in the file.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Kysely } from 'kysely';
import type { StoredCheckpoint } from '../domain/audit/verify-chain.js';
import type { DB } from '../store/schema.js';
import { type StoredHead, selectCheckpoints, selectEntryPage, selectHead } from './audit-queries.js';
import type { AuditPublicKey } from './audit-signing-key.js';

export const EXPORT_FORMAT = 'keywarden-audit-export';
export const EXPORT_VERSION = 1;

/** For an auditor writing their own verifier: what the hashes and signatures cover. */
const ALGORITHM = {
  entryHash:
    'hex(SHA-256(prevHash || canonical JSON of {actor,at,cabinet,data,key,person,policyVersion,seq,type})), where data is the parsed value of the data text; genesis prevHash is 64 zeros',
  checkpointSignature: 'Ed25519 over the canonical JSON of {hash,seq,signedAt}, base64',
  canonicalJson:
    'object keys sorted by code point, no whitespace, strings and numbers as JSON.stringify writes them',
  keyId: 'hex(SHA-256(DER SubjectPublicKeyInfo))',
};

export interface AuditExportSummary {
  entries: number;
  checkpoints: number;
  head: StoredHead | null;
  /** Checkpoints signed by a key other than the one in the header. */
  foreignCheckpoints: number;
}

/**
 * Writes the log to `path`. Reads without a lock, like verify: checkpoints first, then entries, then the head,
 * re-reading entries until the head is behind the last one read, so the export is consistent while appends go on.
 * @example await exportAuditLog(store.db, 'audit.jsonl', { publicKey: findAuditPublicKey(resolveAuditKeyPath()) })
 */
export async function exportAuditLog(
  db: Kysely<DB>,
  path: string,
  options: { publicKey: AuditPublicKey; now?: () => Date; pageSize?: number },
): Promise<AuditExportSummary> {
  const pageSize = options.pageSize ?? 10_000;
  const out = createWriteStream(path, { encoding: 'utf8' });
  const failed = once(out, 'error').then(([error]) => {
    throw error;
  });
  failed.catch(() => {});
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };

  try {
    // Checkpoints before the head: each one then names an entry this export can still read.
    const checkpoints: StoredCheckpoint[] = await selectCheckpoints(db, null, null);
    await write(
      `${JSON.stringify({
        record: 'header',
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        exportedAt: (options.now?.() ?? new Date()).toISOString(),
        publicKey: options.publicKey.publicKeyPem,
        keyId: options.publicKey.keyId,
        algorithm: ALGORITHM,
      })}\n`,
    );
    let foreignCheckpoints = 0;
    for (const checkpoint of checkpoints) {
      if (checkpoint.keyId !== options.publicKey.keyId) foreignCheckpoints += 1;
    }
    await write(
      checkpoints
        .map((checkpoint) => `${JSON.stringify({ record: 'checkpoint', ...checkpoint })}\n`)
        .join(''),
    );

    let entries = 0;
    let lastRead: number | null = null;
    let head: StoredHead | null = null;
    for (;;) {
      const page = await selectEntryPage(db, lastRead, pageSize);
      if (page.length === 0) {
        head = await selectHead(db);
        const more = await selectEntryPage(db, lastRead, 1);
        if (more.length === 0) break;
        continue;
      }
      entries += page.length;
      lastRead = (page.at(-1) as { seq: number }).seq;
      await write(page.map((entry) => `${JSON.stringify({ record: 'entry', ...entry })}\n`).join(''));
    }
    if (head) await write(`${JSON.stringify({ record: 'head', ...head })}\n`);
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    return { entries, checkpoints: checkpoints.length, head, foreignCheckpoints };
  } catch (error) {
    out.destroy();
    throw error;
  }
}
