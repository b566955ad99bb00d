import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditEntryContent, entryHash, GENESIS_HASH } from './audit-chain.js';
import { canonicalJson } from './canonical-json.js';
import {
  AuditChainVerifier,
  type AuditFailureKind,
  type ChainHead,
  canonicalEntryText,
  checkpointStatement,
  publicKeyId,
  type StoredAuditEntry,
  type StoredCheckpoint,
  storedEntryHash,
  verifyAuditChain,
  verifyCheckpointSignature,
} from './verify-chain.js';

const trusted = generateKeyPairSync('ed25519');
const intruder = generateKeyPairSync('ed25519');

/** An entry as AuditLog would store it, hashed with the reference entryHash. */
function makeEntry(
  seq: number,
  prevHash: string,
  overrides: Partial<AuditEntryContent> = {},
): StoredAuditEntry {
  const content: AuditEntryContent = {
    seq,
    at: new Date(Date.UTC(2026, 10, 27, 8, 0, seq)).toISOString(),
    type: seq % 3 === 0 ? 'return' : 'checkout',
    actor: `p-${seq % 7}`,
    person: `p-${seq % 5}`,
    key: `car-${100 + (seq % 9)}`,
    cabinet: seq % 4 === 0 ? null : 'cab-north',
    policyVersion: seq % 6 === 0 ? null : 3,
    data: { reason: 'vehicle-swap', factors: ['pin', 'badge'], slot: seq % 12 },
    ...overrides,
  };
  return {
    seq: content.seq,
    at: content.at,
    type: content.type,
    actor: content.actor,
    person: content.person,
    key: content.key,
    cabinet: content.cabinet,
    policyVersion: content.policyVersion,
    data: canonicalJson(content.data),
    prevHash,
    hash: entryHash(prevHash, content),
  };
}

function makeChain(length: number): StoredAuditEntry[] {
  const entries: StoredAuditEntry[] = [];
  let previous = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const entry = makeEntry(seq, previous);
    entries.push(entry);
    previous = entry.hash;
  }
  return entries;
}

function signCheckpoint(
  seq: number,
  hash: string,
  privateKey: KeyObject,
  publicKey: KeyObject,
): StoredCheckpoint {
  const signedAt = new Date(Date.UTC(2026, 10, 27, 9, 0, seq)).toISOString();
  const signature = sign(null, Buffer.from(checkpointStatement({ seq, hash, signedAt })), privateKey);
  return { seq, hash, signedAt, signature: signature.toString('base64'), keyId: publicKeyId(publicKey) };
}

function checkpointsOf(entries: readonly StoredAuditEntry[], every: number): StoredCheckpoint[] {
  return entries
    .filter((entry) => entry.seq % every === 0)
    .map((entry) => signCheckpoint(entry.seq, entry.hash, trusted.privateKey, trusted.publicKey));
}

function headOf(entries: readonly StoredAuditEntry[]): ChainHead {
  const last = entries.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
}

/** Recomputes the hashes from `from` onwards, as someone covering their tracks would. */
function rehashFrom(entries: StoredAuditEntry[], from: number): void {
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index] as StoredAuditEntry;
    if (entry.seq < from) continue;
    entry.prevHash = index === 0 ? GENESIS_HASH : (entries[index - 1] as StoredAuditEntry).hash;
    entry.hash = storedEntryHash(entry);
  }
}

const at = (entries: StoredAuditEntry[], seq: number): StoredAuditEntry =>
  entries.find((entry) => entry.seq === seq) as StoredAuditEntry;
const bySeq = (entries: StoredAuditEntry[]): StoredAuditEntry[] => entries.sort((a, b) => a.seq - b.seq);

describe('canonicalEntryText', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({
      unit: fc.constantFrom('\ud800', '\udfff', '"', '\\', '\u0000', '\u001f', '\u007f', 'é', '😀', 'a'),
    }),
  );
  const content = fc.record({
    seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    at: text,
    type: text,
    actor: fc.option(text),
    person: fc.option(text),
    key: fc.option(text),
    cabinet: fc.option(text),
    policyVersion: fc.option(fc.integer()),
    data: fc.dictionary(text, fc.jsonValue()),
  });

  it('produces the same bytes as canonicalJson of the entry content', () => {
    fc.assert(
      fc.property(content, (entry: AuditEntryContent) => {
        const stored = { ...entry, data: canonicalJson(entry.data), prevHash: GENESIS_HASH, hash: '' };
        expect(canonicalEntryText(stored)).toBe(canonicalJson(entry));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes as entryHash does', () => {
    fc.assert(
      fc.property(content, fc.stringMatching(/^[0-9a-f]{64}$/), (entry: AuditEntryContent, previous) => {
        const stored = { ...entry, data: canonicalJson(entry.data), prevHash: previous, hash: '' };
        expect(storedEntryHash(stored)).toBe(entryHash(previous, entry));
      }),
      { numRuns: 200 },
    );
  });
});

describe('checkpoint signatures', () => {
  it('verifies a signature made by the key and refuses another key or an edited statement', () => {
    const checkpoint = signCheckpoint(100, 'ab'.repeat(32), trusted.privateKey, trusted.publicKey);
    expect(verifyCheckpointSignature(checkpoint, trusted.publicKey)).toBe(true);
    expect(verifyCheckpointSignature(checkpoint, intruder.publicKey)).toBe(false);
    expect(verifyCheckpointSignature({ ...checkpoint, seq: 101 }, trusted.publicKey)).toBe(false);
    expect(verifyCheckpointSignature({ ...checkpoint, signature: 'not base64!' }, trusted.publicKey)).toBe(
      false,
    );
  });

  it('signs the canonical statement of seq, hash and signedAt', () => {
    expect(checkpointStatement({ signedAt: 'T', seq: 7, hash: 'h' })).toBe(
      '{"hash":"h","seq":7,"signedAt":"T"}',
    );
  });

  it('names a key by the SHA-256 of its DER', () => {
    expect(publicKeyId(trusted.publicKey)).toMatch(/^[0-9a-f]{64}$/);
    expect(publicKeyId(trusted.publicKey)).not.toBe(publicKeyId(intruder.publicKey));
  });
});

describe('verifyAuditChain on an intact log', () => {
  it('accepts an empty log', () => {
    const result = verifyAuditChain([], [], { seq: 0, hash: GENESIS_HASH }, { publicKey: trusted.publicKey });
    expect(result).toMatchObject({ ok: true, entries: 0, checkpoints: 0, attestedThrough: 0, failure: null });
  });

  it('accepts 250 entries with checkpoints at 100 and 200', () => {
    const entries = makeChain(250);
    const result = verifyAuditChain(entries, checkpointsOf(entries, 100), headOf(entries), {
      publicKey: trusted.publicKey,
    });
    expect(result).toMatchObject({
      ok: true,
      entries: 250,
      checkpoints: 2,
      attestedThrough: 200,
      lastSeq: 250,
    });
  });

  it('gives the same answer however the entries are split into pages', () => {
    const entries = makeChain(120);
    const checkpoints = checkpointsOf(entries, 25);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        const verifier = new AuditChainVerifier({ publicKey: trusted.publicKey });
        verifier.addCheckpoints(checkpoints);
        let from = 0;
        for (let page = 0; from < entries.length; page++) {
          const size = sizes[page % sizes.length] as number;
          verifier.addEntries(entries.slice(from, from + size));
          from += size;
        }
        expect(verifier.finish(headOf(entries))).toMatchObject({ ok: true, entries: 120, checkpoints: 4 });
      }),
      { numRuns: 50 },
    );
  });
});

interface TamperCase {
  name: string;
  tamper(entries: StoredAuditEntry[], checkpoints: StoredCheckpoint[]): StoredAuditEntry[] | undefined;
  head?(entries: StoredAuditEntry[], original: ChainHead): ChainHead | null;
  kind: AuditFailureKind;
  seq: number;
  message?: RegExp;
}

const cases: TamperCase[] = [
  {
    name: 'an event type changed',
    tamper: (entries) => {
      at(entries, 12).type = 'denied';
    },
    kind: 'changed',
    seq: 12,
    message: /^entry 12 was changed: its content no longer matches its hash$/,
  },
  {
    name: 'data reformatted with the same meaning',
    tamper: (entries) => {
      at(entries, 12).data = JSON.stringify(JSON.parse(at(entries, 12).data), null, 1);
    },
    kind: 'changed',
    seq: 12,
  },
  {
    name: 'the hash replaced',
    tamper: (entries) => {
      at(entries, 12).hash = 'f'.repeat(64);
    },
    kind: 'changed',
    seq: 12,
  },
  {
    name: 'prev_hash replaced',
    tamper: (entries) => {
      at(entries, 12).prevHash = 'f'.repeat(64);
    },
    kind: 'changed',
    seq: 12,
  },
  {
    name: 'an entry changed and rehashed (its successor left alone)',
    tamper: (entries) => {
      const entry = at(entries, 12);
      entry.person = 'p-someone-else';
      entry.hash = storedEntryHash(entry);
    },
    kind: 'changed',
    seq: 12,
    message: /entry 12 was changed: its hash is not the one entry 13 recorded/,
  },
  {
    name: 'a checkpointed entry changed and rehashed',
    tamper: (entries) => {
      const entry = at(entries, 10);
      entry.person = 'p-someone-else';
      entry.hash = storedEntryHash(entry);
    },
    kind: 'checkpoint_mismatch',
    seq: 10,
  },
  {
    name: 'the chain rewritten from entry 15 to the end, head updated',
    tamper: (entries) => {
      at(entries, 15).key = 'car-999';
      rehashFrom(entries, 15);
    },
    head: (entries) => headOf(entries),
    kind: 'checkpoint_mismatch',
    seq: 20,
    message: /entries after entry 10 up to 20 were rewritten/,
  },
  {
    name: 'a middle entry deleted',
    tamper: (entries) => entries.filter((entry) => entry.seq !== 12),
    kind: 'missing',
    seq: 12,
    message: /^entry 12 is missing: the log goes from entry 11 to entry 13$/,
  },
  {
    name: 'three middle entries deleted',
    tamper: (entries) => entries.filter((entry) => entry.seq < 12 || entry.seq > 14),
    kind: 'missing',
    seq: 12,
  },
  {
    name: 'a middle entry deleted and the rest renumbered',
    tamper: (entries) =>
      entries
        .filter((entry) => entry.seq !== 12)
        .map((entry) => (entry.seq > 12 ? { ...entry, seq: entry.seq - 1 } : entry)),
    head: (_entries, original) => ({ seq: original.seq - 1, hash: original.hash }),
    kind: 'missing',
    seq: 12,
    message: /renumbered/,
  },
  {
    name: 'the tail entry deleted',
    tamper: (entries) => entries.filter((entry) => entry.seq !== 30),
    kind: 'head_mismatch',
    seq: 30,
  },
  {
    name: 'the tail deleted and the head rolled back past a checkpoint',
    tamper: (entries) => entries.filter((entry) => entry.seq <= 17),
    head: (entries) => headOf(entries),
    kind: 'missing',
    seq: 18,
    message: /a checkpoint signed entry 20/,
  },
  {
    name: 'a forged entry with a valid hash inserted, the rest renumbered',
    tamper: (entries) => {
      const shifted = entries.map((entry) => (entry.seq >= 12 ? { ...entry, seq: entry.seq + 1 } : entry));
      const forged = makeEntry(12, at(entries, 11).hash, { type: 'return', person: 'p-forger' });
      return bySeq([...shifted, forged]);
    },
    head: (_entries, original) => ({ seq: original.seq + 1, hash: original.hash }),
    kind: 'inserted',
    seq: 12,
    message: /^entry 12 was inserted: the entry after it links to entry 11, not to it$/,
  },
  {
    name: 'two forged entries inserted, the rest renumbered',
    tamper: (entries) => {
      const shifted = entries.map((entry) => (entry.seq >= 12 ? { ...entry, seq: entry.seq + 2 } : entry));
      const first = makeEntry(12, at(entries, 11).hash, { person: 'p-forger' });
      const second = makeEntry(13, first.hash, { person: 'p-forger' });
      return bySeq([...shifted, first, second]);
    },
    head: (_entries, original) => ({ seq: original.seq + 2, hash: original.hash }),
    kind: 'inserted',
    seq: 12,
    message: /entries 12 to 13 were inserted/,
  },
  {
    name: 'an entry with a made-up hash inserted, the rest renumbered',
    tamper: (entries) => {
      const shifted = entries.map((entry) => (entry.seq >= 12 ? { ...entry, seq: entry.seq + 1 } : entry));
      return bySeq([...shifted, { ...makeEntry(12, at(entries, 11).hash), hash: 'e'.repeat(64) }]);
    },
    kind: 'inserted',
    seq: 12,
  },
  {
    name: 'a valid entry appended after the head',
    tamper: (entries) => [...entries, makeEntry(31, at(entries, 30).hash)],
    kind: 'inserted',
    seq: 31,
  },
  {
    name: 'an entry at seq 0',
    tamper: (entries) => [makeEntry(0, GENESIS_HASH), ...entries],
    kind: 'inserted',
    seq: 0,
  },
  {
    name: 'an entry duplicated',
    tamper: (entries) => bySeq([...entries, { ...at(entries, 12) }]),
    kind: 'inserted',
    seq: 12,
  },
  {
    name: 'two adjacent entries swapped (their seqs exchanged)',
    tamper: (entries) => {
      at(entries, 12).seq = -1;
      at(entries, 13).seq = 12;
      at(entries, -1).seq = 13;
      bySeq(entries);
    },
    kind: 'reordered',
    seq: 12,
    message: /^entry 12 was reordered/,
  },
  {
    name: 'two distant entries swapped',
    tamper: (entries) => {
      at(entries, 12).seq = -1;
      at(entries, 25).seq = 12;
      at(entries, -1).seq = 25;
      bySeq(entries);
    },
    kind: 'reordered',
    seq: 12,
  },
  {
    name: 'two lines of an export swapped (seqs intact)',
    tamper: (entries) => {
      const a = entries.findIndex((entry) => entry.seq === 12);
      [entries[a], entries[a + 1]] = [entries[a + 1] as StoredAuditEntry, entries[a] as StoredAuditEntry];
    },
    kind: 'reordered',
    seq: 12,
  },
  {
    name: 'an export line moved far back',
    tamper: (entries) => {
      const [moved] = entries.splice(11, 1);
      entries.splice(20, 0, moved as StoredAuditEntry);
    },
    kind: 'reordered',
    seq: 12,
  },
  {
    name: 'the head hash altered',
    tamper: () => undefined,
    head: (_entries, original) => ({ seq: original.seq, hash: 'a'.repeat(64) }),
    kind: 'head_mismatch',
    seq: 30,
  },
  {
    name: 'the head missing (an export cut short)',
    tamper: () => undefined,
    head: () => null,
    kind: 'head_mismatch',
    seq: 31,
  },
  {
    name: 'a checkpoint hash altered',
    tamper: (_entries, checkpoints) => {
      (checkpoints[0] as StoredCheckpoint).hash = 'c'.repeat(64);
    },
    kind: 'checkpoint_mismatch',
    seq: 10,
    message: /signs hash cccccccccccc… but the entry's hash is .*signature does not verify/,
  },
  {
    name: 'a checkpoint re-signed with another key',
    tamper: (entries, checkpoints) => {
      checkpoints[1] = signCheckpoint(20, at(entries, 20).hash, intruder.privateKey, intruder.publicKey);
    },
    kind: 'checkpoint_mismatch',
    seq: 20,
    message: /signed by key .*, not the trusted key/,
  },
  {
    name: 'a checkpoint signed by another key but naming the trusted key',
    tamper: (entries, checkpoints) => {
      const forged = signCheckpoint(20, at(entries, 20).hash, intruder.privateKey, intruder.publicKey);
      checkpoints[1] = { ...forged, keyId: publicKeyId(trusted.publicKey) };
    },
    kind: 'checkpoint_mismatch',
    seq: 20,
    message: /signature does not verify/,
  },
  {
    name: 'a second checkpoint for the same entry',
    tamper: (_entries, checkpoints) =>
      void checkpoints.splice(1, 0, { ...(checkpoints[0] as StoredCheckpoint) }),
    kind: 'checkpoint_mismatch',
    seq: 10,
  },
  {
    name: 'a checkpoint at seq 0',
    tamper: (_entries, checkpoints) =>
      void checkpoints.unshift({ ...(checkpoints[0] as StoredCheckpoint), seq: 0 }),
    kind: 'checkpoint_mismatch',
    seq: 0,
  },
];

describe('verifyAuditChain names the first tampered entry', () => {
  for (const testCase of cases) {
    it(`detects ${testCase.name} as ${testCase.kind} at ${testCase.seq}`, () => {
      const original = makeChain(30);
      const checkpoints = checkpointsOf(original, 10);
      const originalHead = headOf(original);
      let entries = original.map((entry) => ({ ...entry }));
      entries = testCase.tamper(entries, checkpoints) ?? entries;
      const head = testCase.head ? testCase.head(entries, originalHead) : originalHead;
      const sorted = [...checkpoints].sort((a, b) => a.seq - b.seq);

      // Whole, and fed one entry per page: the pages must not change the answer.
      for (const pageSize of [entries.length, 1, 7]) {
        const verifier = new AuditChainVerifier({ publicKey: trusted.publicKey, lookahead: 50 });
        verifier.addCheckpoints(sorted);
        for (let from = 0; from < entries.length; from += pageSize) {
          verifier.addEntries(entries.slice(from, from + pageSize));
        }
        const result = verifier.finish(head);
        expect(result.ok).toBe(false);
        expect(result.failure).toMatchObject({ kind: testCase.kind, seq: testCase.seq });
        if (testCase.message) expect(result.failure?.message).toMatch(testCase.message);
        // Entries counted intact are those before the failing one, even when it was passed already.
        expect(result.entries).toBeLessThan(Math.max(1, testCase.seq));
      }
    });
  }
});

describe('verifyAuditChain finds any single tampering (property)', () => {
  const length = 40;
  const chain = makeChain(length);
  const checkpoints = checkpointsOf(chain, 10);
  const head = headOf(chain);
  const verify = (entries: StoredAuditEntry[], h: ChainHead = head) =>
    verifyAuditChain(entries, checkpoints, h, { publicKey: trusted.publicKey });
  const seqs = fc.integer({ min: 1, max: length - 1 });
  const fields = fc.constantFrom('at', 'type', 'actor', 'person', 'key', 'cabinet', 'policyVersion', 'data');

  it('reports any changed field of entry k as changed at k', () => {
    fc.assert(
      fc.property(seqs, fields, (seq, field) => {
        const entries = chain.map((entry) => ({ ...entry }));
        const entry = at(entries, seq);
        if (field === 'policyVersion') entry.policyVersion = (entry.policyVersion ?? 0) + 1;
        else if (field === 'data') entry.data = '{"reason":"other"}';
        else entry[field] = `${entry[field] ?? ''}x`;
        expect(verify(entries).failure).toMatchObject({ kind: 'changed', seq });
      }),
    );
  });

  it('reports a deleted entry k as missing at k', () => {
    fc.assert(
      fc.property(seqs, (seq) => {
        expect(verify(chain.filter((entry) => entry.seq !== seq)).failure).toMatchObject({
          kind: 'missing',
          seq,
        });
      }),
    );
  });

  it('reports entries k and k+1 swapped as reordered at k', () => {
    fc.assert(
      fc.property(seqs, (seq) => {
        const entries = chain.map((entry) => ({ ...entry }));
        at(entries, seq).seq = -1;
        at(entries, seq + 1).seq = seq;
        at(entries, -1).seq = seq + 1;
        expect(verify(bySeq(entries)).failure).toMatchObject({ kind: 'reordered', seq });
      }),
    );
  });
});

describe('AuditChainVerifier checkpoints', () => {
  it('reports a checkpoint it cannot check without a trusted key', () => {
    const entries = makeChain(10);
    const result = verifyAuditChain(entries, checkpointsOf(entries, 10), headOf(entries));
    expect(result.failure).toMatchObject({ kind: 'checkpoint_mismatch', seq: 10 });
    expect(result.failure?.message).toMatch(/no trusted public key/);
  });

  it('uses verdicts computed ahead when given', () => {
    const entries = makeChain(20);
    const seen: number[] = [];
    const result = verifyAuditChain(entries, checkpointsOf(entries, 10), headOf(entries), {
      publicKey: trusted.publicKey,
      verifySignature: (checkpoint) => {
        seen.push(checkpoint.seq);
        return checkpoint.seq !== 20;
      },
    });
    expect(seen).toEqual([10, 20]);
    expect(result.failure).toMatchObject({ kind: 'checkpoint_mismatch', seq: 20 });
  });

  it('refuses checkpoints added after the entries they attest', () => {
    const entries = makeChain(20);
    const verifier = new AuditChainVerifier({ publicKey: trusted.publicKey });
    verifier.addEntries(entries);
    expect(() => verifier.addCheckpoints(checkpointsOf(entries, 10))).toThrow(/after the entries/);
  });

  it('reports the earlier of a chain failure and a later checkpoint failure', () => {
    const entries = makeChain(30);
    const checkpoints = checkpointsOf(entries, 10);
    (checkpoints[2] as StoredCheckpoint).hash = '0'.repeat(64);
    at(entries, 15).type = 'x';
    const result = verifyAuditChain(entries, checkpoints, headOf(entries), { publicKey: trusted.publicKey });
    expect(result.failure).toMatchObject({ kind: 'changed', seq: 15 });
    expect(result).toMatchObject({ entries: 14, checkpoints: 1, attestedThrough: 10 });
  });
});
