/**
 * Verifying the audit chain: recompute every entry's hash from its stored fields, follow the prev_hash links,
 * compare the signed checkpoints and the recorded head, and name the FIRST entry that fails and why.
 *
 * Entries arrive in pages (streamed from a database or read from an export), so the verifier is incremental:
 * `addCheckpoints`, then `addEntries` page by page, then `finish(head)`. While the log is intact each entry
 * costs one SHA-256 over a string built straight from its fields, with no intermediate objects. When an entry
 * does not fit, the verifier keeps up to `lookahead` following entries and classifies the failure from them
 * (see `classifyAnomaly` for the rules), because "changed", "inserted" and "reordered" look alike from one
 * entry alone.
 *
 * What it can and cannot tell: the chain proves that nothing changed relative to itself; a person with write
 * access to the database could still rewrite every hash after a change. The Ed25519-signed checkpoints catch
 * that, up to the last checkpoint: entries after it are protected by the chain and the recorded head only.
 */

import type { KeyObject } from 'node:crypto';
import * as crypto from 'node:crypto';
import { GENESIS_HASH } from './audit-chain.js';
import { canonicalJson } from './canonical-json.js';

/**
 * An entry as stored (a database row or an export line). `data` is the canonical JSON text exactly as stored:
 * it is hashed byte for byte, so any edit to it, even one that keeps the same meaning, is detected.
 */
export interface StoredAuditEntry {
  seq: number;
  at: string;
  type: string;
  actor: string | null;
  person: string | null;
  key: string | null;
  cabinet: string | null;
  policyVersion: number | null;
  data: string;
  prevHash: string;
  hash: string;
}

/** A signed statement that the chain's head was `hash` at entry `seq`. */
export interface StoredCheckpoint {
  seq: number;
  hash: string;
  signedAt: string;
  /** Base64 Ed25519 signature over `checkpointStatement`. */
  signature: string;
  /** SHA-256 fingerprint (hex) of the signing public key's DER. */
  keyId: string;
}

/** What the database (or export) records as the last entry. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export type AuditFailureKind =
  | 'changed'
  | 'missing'
  | 'inserted'
  | 'reordered'
  | 'checkpoint_mismatch'
  | 'head_mismatch';

export interface AuditFailure {
  kind: AuditFailureKind;
  /** The entry (or checkpoint's entry) that fails first. */
  seq: number;
  /** One sentence for a person: "entry 42 was changed: its content no longer matches its hash". */
  message: string;
}

export interface ChainVerification {
  ok: boolean;
  /** Entries found intact, in order, before the failing one (all of them when ok). */
  entries: number;
  /** Checkpoints whose hash and signature were confirmed. */
  checkpoints: number;
  /** The last entry covered by a confirmed checkpoint; 0 when none. Later entries rest on the chain alone. */
  attestedThrough: number;
  /** The last intact entry. */
  lastSeq: number;
  lastHash: string;
  failure: AuditFailure | null;
}

// crypto.hash (Node >= 20.12) is about twice as fast as createHash for short inputs; package.json allows 20.11.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** SHA-256 hex of a string's UTF-8 bytes. */
const sha256Hex: (text: string) => string = oneShotHash
  ? (text) => oneShotHash('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** Characters JSON.stringify would escape (quote, backslash, controls) or might (surrogates). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify for a string or null, skipping its escaping scan in the common plain case (35% faster). */
function quote(text: string | null): string {
  if (text === null) return 'null';
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * The canonical JSON of an entry's content (what `canonicalJson(AuditEntryContent)` produces), built directly
 * from the stored fields: keys in code-point order, `data` spliced in as the stored canonical text. The
 * property test in verify-chain.test.ts holds the two encoders to the same bytes.
 * @example canonicalEntryText(row) // '{"actor":null,"at":"2026-11-27T08:30:00.000Z","cabinet":null,"data":{},...}'
 */
export function canonicalEntryText(entry: StoredAuditEntry, seq: number = entry.seq): string {
  const version = entry.policyVersion === null ? 'null' : JSON.stringify(entry.policyVersion);
  return `{"actor":${quote(entry.actor)},"at":${quote(entry.at)},"cabinet":${quote(entry.cabinet)},"data":${entry.data},"key":${quote(entry.key)},"person":${quote(entry.person)},"policyVersion":${version},"seq":${JSON.stringify(seq)},"type":${quote(entry.type)}}`;
}

/**
 * The hash an entry should carry, given its stored prev_hash: SHA-256(prev_hash || canonical JSON of the
 * content), the same as `entryHash(prevHash, content)`.
 * @example storedEntryHash(row) === row.hash // true while the row is untouched
 */
export function storedEntryHash(entry: StoredAuditEntry, seq: number = entry.seq): string {
  return sha256Hex(entry.prevHash + canonicalEntryText(entry, seq));
}

/**
 * The bytes a checkpoint's signature covers: canonical JSON of `{ seq, hash, signedAt }`.
 * @example checkpointStatement({ seq: 100, hash: 'ab…', signedAt: '2026-11-27T08:31:00.000Z' })
 * // '{"hash":"ab…","seq":100,"signedAt":"2026-11-27T08:31:00.000Z"}'
 */
export function checkpointStatement(checkpoint: { seq: number; hash: string; signedAt: string }): string {
  return canonicalJson({ seq: checkpoint.seq, hash: checkpoint.hash, signedAt: checkpoint.signedAt });
}

/**
 * The key id: SHA-256 (hex) of the public key's SubjectPublicKeyInfo DER.
 * @example publicKeyId(createPublicKey(pem)) // '3f2a…' (64 hex digits)
 */
export function publicKeyId(publicKey: KeyObject): string {
  return crypto
    .createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex');
}

/**
 * Whether a checkpoint's Ed25519 signature verifies with `publicKey` (its key id is not compared here).
 * @example verifyCheckpointSignature(checkpoint, publicKey) // true
 */
export function verifyCheckpointSignature(checkpoint: StoredCheckpoint, publicKey: KeyObject): boolean {
  try {
    return crypto.verify(
      null,
      Buffer.from(checkpointStatement(checkpoint)),
      publicKey,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    // A malformed signature or statement is simply not a valid signature.
    return false;
  }
}

export interface AuditChainVerifierOptions {
  /** The trusted public key. Without one, any checkpoint met is reported as unverifiable. */
  publicKey?: KeyObject | null;
  /**
   * Overrides the signature check, e.g. with verdicts computed ahead on the thread pool. Called only for
   * checkpoints whose key id is the trusted key's.
   */
  verifySignature?: (checkpoint: StoredCheckpoint) => boolean;
  /** How many entries after an anomaly are read to classify it (default 10,000). */
  lookahead?: number;
}

const RECENT = 64;
const RECENT_MASK = RECENT - 1;
const short = (hash: string): string => (hash.length > 12 ? `${hash.slice(0, 12)}…` : hash);
const countEntries = (n: number): string => `${n} ${n === 1 ? 'entry' : 'entries'}`;

/**
 * Verifies a chain fed in pages. Checkpoints must be added before the entries they attest.
 * @example
 * const verifier = new AuditChainVerifier({ publicKey });
 * verifier.addCheckpoints(checkpoints);
 * for (const page of pages) { verifier.addEntries(page); if (verifier.decided) break; }
 * const result = verifier.finish(head); // { ok: false, failure: { kind: 'changed', seq: 42, message } }
 */
export class AuditChainVerifier {
  private readonly publicKey: KeyObject | null;
  private readonly trustedKeyId: string | null;
  private readonly verifySignature: (checkpoint: StoredCheckpoint) => boolean;
  private readonly lookahead: number;

  private lastSeq = 0;
  private lastHash = GENESIS_HASH;
  /** Hashes of the last RECENT intact entries, by seq & RECENT_MASK; index 0 doubles as the genesis. */
  private readonly recent: string[] = new Array<string>(RECENT).fill(GENESIS_HASH);
  private readonly pendingCheckpoints: StoredCheckpoint[] = [];
  private checkpointIndex = 0;
  private nextCheckpointSeq = Number.POSITIVE_INFINITY;
  private lastCheckpointAdded = Number.NEGATIVE_INFINITY;
  private checkpointsConfirmed = 0;
  private attestedThrough = 0;
  /** Entries from the first one that did not fit, kept to classify it. */
  private anomaly: StoredAuditEntry[] | null = null;
  private failure: AuditFailure | null = null;

  constructor(options: AuditChainVerifierOptions = {}) {
    this.publicKey = options.publicKey ?? null;
    this.trustedKeyId = this.publicKey ? publicKeyId(this.publicKey) : null;
    const publicKey = this.publicKey;
    this.verifySignature =
      options.verifySignature ??
      ((checkpoint) => (publicKey ? verifyCheckpointSignature(checkpoint, publicKey) : false));
    this.lookahead = Math.max(1, options.lookahead ?? 10_000);
  }

  /** True once the first failure is known: feeding more entries changes nothing. */
  get decided(): boolean {
    return this.failure !== null;
  }

  /** The last intact entry's seq. */
  get verifiedThrough(): number {
    return this.lastSeq;
  }

  /** Adds checkpoints in ascending seq, before the entries they attest. */
  addCheckpoints(checkpoints: readonly StoredCheckpoint[]): void {
    for (const checkpoint of checkpoints) {
      if (checkpoint.seq < this.lastCheckpointAdded) {
        throw new Error(
          `checkpoints must be added in ascending seq (${checkpoint.seq} after ${this.lastCheckpointAdded})`,
        );
      }
      if (
        checkpoint.seq <= this.lastSeq &&
        this.anomaly === null &&
        this.failure === null &&
        checkpoint.seq >= 1
      ) {
        throw new Error(`checkpoint ${checkpoint.seq} was added after the entries it attests`);
      }
      this.lastCheckpointAdded = checkpoint.seq;
      // A checkpoint naming no possible entry fails before anything else does.
      if (!Number.isSafeInteger(checkpoint.seq) || checkpoint.seq < 1) {
        this.fail({
          kind: 'checkpoint_mismatch',
          seq: checkpoint.seq,
          message: `the checkpoint at entry ${checkpoint.seq} does not match: no entry can have that number`,
        });
        return;
      }
      this.pendingCheckpoints.push(checkpoint);
    }
    this.nextCheckpointSeq = this.pendingCheckpoints[this.checkpointIndex]?.seq ?? Number.POSITIVE_INFINITY;
  }

  /** Adds the next entries, in stored order. */
  addEntries(entries: readonly StoredAuditEntry[]): void {
    if (this.failure) return;
    if (this.anomaly) {
      this.collectLookahead(entries, 0);
      return;
    }
    let lastSeq = this.lastSeq;
    let lastHash = this.lastHash;
    const recent = this.recent;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as StoredAuditEntry;
      if (
        entry.seq !== lastSeq + 1 ||
        entry.prevHash !== lastHash ||
        sha256Hex(lastHash + canonicalEntryText(entry)) !== entry.hash
      ) {
        this.lastSeq = lastSeq;
        this.lastHash = lastHash;
        this.anomaly = [];
        this.collectLookahead(entries, i);
        return;
      }
      lastSeq = entry.seq;
      lastHash = entry.hash;
      recent[lastSeq & RECENT_MASK] = lastHash;
      if (lastSeq === this.nextCheckpointSeq) {
        this.lastSeq = lastSeq;
        this.lastHash = lastHash;
        this.checkCheckpointsAt(entry);
        if (this.failure) return;
      }
    }
    this.lastSeq = lastSeq;
    this.lastHash = lastHash;
  }

  /**
   * Ends the verification. `head` is the head the store records (null when it records none: an export cut
   * short). Classifies a pending anomaly with the entries seen so far.
   */
  finish(head: ChainHead | null): ChainVerification {
    if (!this.failure && this.anomaly) this.fail(this.classifyAnomaly(this.anomaly));
    if (!this.failure) this.checkEnd(head);
    // A failure can name an entry already passed (one rehashed, or inserted with a valid hash).
    const intact = this.failure ? Math.max(0, Math.min(this.lastSeq, this.failure.seq - 1)) : this.lastSeq;
    return {
      ok: this.failure === null,
      entries: intact,
      checkpoints: this.checkpointsConfirmed,
      attestedThrough: this.attestedThrough,
      lastSeq: this.lastSeq,
      lastHash: this.lastHash,
      failure: this.failure,
    };
  }

  private fail(failure: AuditFailure): void {
    this.failure ??= failure;
    this.anomaly = null;
  }

  private collectLookahead(entries: readonly StoredAuditEntry[], from: number): void {
    const anomaly = this.anomaly as StoredAuditEntry[];
    const want = this.lookahead + 1;
    for (let i = from; i < entries.length && anomaly.length < want; i++)
      anomaly.push(entries[i] as StoredAuditEntry);
    if (anomaly.length >= want) this.fail(this.classifyAnomaly(anomaly));
  }

  /** Checks every checkpoint that names `entry` (normally one). */
  private checkCheckpointsAt(entry: StoredAuditEntry): void {
    let first = true;
    while (this.nextCheckpointSeq === entry.seq) {
      const checkpoint = this.pendingCheckpoints[this.checkpointIndex] as StoredCheckpoint;
      this.checkpointIndex += 1;
      this.nextCheckpointSeq = this.pendingCheckpoints[this.checkpointIndex]?.seq ?? Number.POSITIVE_INFINITY;
      const problem = first
        ? this.checkpointProblem(checkpoint, entry)
        : 'there is a second checkpoint for it';
      first = false;
      if (problem) {
        this.fail({
          kind: 'checkpoint_mismatch',
          seq: entry.seq,
          message: `the checkpoint at entry ${entry.seq} does not match: ${problem}`,
        });
        return;
      }
      this.checkpointsConfirmed += 1;
      this.attestedThrough = entry.seq;
    }
  }

  private checkpointProblem(checkpoint: StoredCheckpoint, entry: StoredAuditEntry): string | null {
    const problems: string[] = [];
    if (checkpoint.hash !== entry.hash) {
      // The entries up to here are consistent with each other, so they were rewritten as a whole.
      const since = this.attestedThrough > 0 ? `after entry ${this.attestedThrough}` : 'from the start';
      problems.push(
        `it signs hash ${short(checkpoint.hash)} but the entry's hash is ${short(entry.hash)}, so entries ${since} up to ${entry.seq} were rewritten`,
      );
    }
    if (this.trustedKeyId === null) {
      problems.push('there is no trusted public key to check its signature with');
    } else if (checkpoint.keyId !== this.trustedKeyId) {
      problems.push(
        `it was signed by key ${short(checkpoint.keyId)}, not the trusted key ${short(this.trustedKeyId)}`,
      );
    } else if (!this.verifySignature(checkpoint)) {
      problems.push('its signature does not verify with the trusted public key');
    }
    return problems.length > 0 ? problems.join('; ') : null;
  }

  /**
   * Names the first failure from the entry that did not fit (`window[0]`) and the entries after it. Every
   * entry before it is intact and linked. Let `expected` = last intact seq + 1. The rules, first match wins:
   *
   * 1. seq < 1: **inserted** (sequence numbers start at 1).
   * 2. seq < expected: the same seq as the last intact entry is **inserted** (it appears twice); an earlier
   *    seq is **reordered** (only an export file can be out of seq order).
   * 3. seq > expected: if the expected entry (by seq, or the entry that links to the last intact one) comes
   *    later, the log is **reordered** at `expected`; otherwise `expected` is **missing**.
   * From here seq = expected.
   * 4. It links to the last intact entry but its content does not match its hash: if the entry after it
   *    links to the last intact entry too, it was **inserted** (the chain goes around it); else it was
   *    **changed**.
   * 5. It links to a recent entry before the last intact one (up to 64 back): the entries in between were
   *    **inserted** (forged with valid hashes, the rest renumbered).
   * 6. A later entry links to the last intact entry: that entry's successor was moved: **reordered**.
   * 7. Its content matches its hash but it links elsewhere: the last intact entry was **changed** and
   *    rehashed (its hash is not the one its successor recorded), unless a signed checkpoint confirmed that
   *    entry, in which case this entry was **changed** (its prev_hash rewritten).
   * 8. Its hash matches under a higher seq (up to 64 more): entries before it were deleted and the rest
   *    renumbered: `expected` is **missing**.
   * 9. Otherwise it was **changed**.
   */
  private classifyAnomaly(window: readonly StoredAuditEntry[]): AuditFailure {
    const entry = window[0] as StoredAuditEntry;
    const lastSeq = this.lastSeq;
    const lastHash = this.lastHash;
    const expected = lastSeq + 1;
    const seq = entry.seq;

    if (!Number.isSafeInteger(seq) || seq < 1) {
      return { kind: 'inserted', seq, message: `entry ${seq} was inserted: sequence numbers start at 1` };
    }
    if (seq < expected) {
      if (seq === lastSeq) {
        return {
          kind: 'inserted',
          seq,
          message: `entry ${seq} was inserted: the log holds two entries ${seq}`,
        };
      }
      return {
        kind: 'reordered',
        seq,
        message: `entry ${seq} was reordered: it appears after entry ${lastSeq}`,
      };
    }
    if (seq > expected) {
      const later = window.findIndex(
        (other, index) => index > 0 && (other.seq === expected || other.prevHash === lastHash),
      );
      if (later > 0) {
        return {
          kind: 'reordered',
          seq: expected,
          message: `entry ${expected} was reordered: it appears after entry ${seq}, not after entry ${lastSeq}`,
        };
      }
      const gap = seq - expected;
      return {
        kind: 'missing',
        seq: expected,
        message:
          gap === 1
            ? `entry ${expected} is missing: the log goes from entry ${lastSeq} to entry ${seq}`
            : `entry ${expected} is missing: ${countEntries(gap)} (${expected} to ${seq - 1}) are gone between entry ${lastSeq} and entry ${seq}`,
      };
    }

    const selfConsistent = storedEntryHash(entry) === entry.hash;
    if (entry.prevHash === lastHash) {
      const next = window[1];
      if (next && next.prevHash === lastHash) {
        return {
          kind: 'inserted',
          seq,
          message: `entry ${seq} was inserted: the entry after it links to entry ${lastSeq}, not to it`,
        };
      }
      return {
        kind: 'changed',
        seq,
        message: `entry ${seq} was changed: its content no longer matches its hash`,
      };
    }

    for (let back = 1; back < RECENT && lastSeq - back >= 0; back++) {
      const earlier = lastSeq - back;
      if (this.recent[earlier & RECENT_MASK] === entry.prevHash) {
        const first = earlier + 1;
        return {
          kind: 'inserted',
          seq: first,
          message:
            first === lastSeq
              ? `entry ${first} was inserted: the entry after it links to entry ${earlier}, not to it`
              : `entries ${first} to ${lastSeq} were inserted: the entry after them links to entry ${earlier}`,
        };
      }
    }

    if (window.some((other, index) => index > 0 && other.prevHash === lastHash)) {
      return {
        kind: 'reordered',
        seq,
        message: `entry ${seq} was reordered: the entry that follows entry ${lastSeq} appears later in the log`,
      };
    }

    if (selfConsistent) {
      if (lastSeq >= 1 && this.attestedThrough !== lastSeq) {
        return {
          kind: 'changed',
          seq: lastSeq,
          message: `entry ${lastSeq} was changed: its hash is not the one entry ${seq} recorded for it (it was rehashed after a change)`,
        };
      }
      return {
        kind: 'changed',
        seq,
        message: `entry ${seq} was changed: it no longer links to entry ${lastSeq}`,
      };
    }

    for (let ahead = 1; ahead < RECENT; ahead++) {
      if (storedEntryHash(entry, seq + ahead) === entry.hash) {
        return {
          kind: 'missing',
          seq: expected,
          message: `entry ${expected} is missing: ${ahead === 1 ? 'it was' : `${ahead} entries were`} deleted and the entries after renumbered`,
        };
      }
    }

    return {
      kind: 'changed',
      seq,
      message: `entry ${seq} was changed: its content no longer matches its hash and it does not link to entry ${lastSeq}`,
    };
  }

  private checkEnd(head: ChainHead | null): void {
    const lastSeq = this.lastSeq;
    const beyond = this.pendingCheckpoints[this.checkpointIndex];
    if (head === null) {
      this.fail({
        kind: 'head_mismatch',
        seq: lastSeq + 1,
        message: `entry ${lastSeq + 1} may be missing: there is no head record, so the log may have been cut short after entry ${lastSeq}`,
      });
      return;
    }
    if (head.seq > lastSeq) {
      this.fail({
        kind: 'head_mismatch',
        seq: lastSeq + 1,
        message: `entry ${lastSeq + 1} is missing: the head records ${countEntries(head.seq)} but the log ends at entry ${lastSeq}`,
      });
      return;
    }
    if (head.seq < lastSeq) {
      this.fail({
        kind: 'inserted',
        seq: head.seq + 1,
        message: `entry ${head.seq + 1} was inserted: the head records entry ${head.seq} as the last one`,
      });
      return;
    }
    if (head.hash !== this.lastHash) {
      this.fail({
        kind: 'head_mismatch',
        seq: lastSeq,
        message: `entry ${lastSeq} does not match the head: the head records hash ${short(head.hash)}, the entry has ${short(this.lastHash)}`,
      });
      return;
    }
    if (beyond) {
      // The head was rolled back together with the entries it named, but a signed checkpoint remembers them.
      this.fail({
        kind: 'missing',
        seq: lastSeq + 1,
        message: `entry ${lastSeq + 1} is missing: a checkpoint signed entry ${beyond.seq} but the log ends at entry ${lastSeq}`,
      });
    }
  }
}

/**
 * Verifies a whole chain held in memory.
 * @example verifyAuditChain(entries, checkpoints, { seq: 250, hash }, { publicKey }).ok // true
 */
export function verifyAuditChain(
  entries: readonly StoredAuditEntry[],
  checkpoints: readonly StoredCheckpoint[],
  head: ChainHead | null,
  options: AuditChainVerifierOptions = {},
): ChainVerification {
  const verifier = new AuditChainVerifier(options);
  verifier.addCheckpoints([...checkpoints].sort((a, b) => a.seq - b.seq));
  verifier.addEntries(entries);
  return verifier.finish(head);
}
