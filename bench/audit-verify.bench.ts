/**
 * `audit verify` entries per second on a log of 1,000,000 entries with a signed checkpoint every 100 (10,000
 * checkpoints), read from SQLite through the same code the CLI runs (verifyAuditDatabase). Target: 500,000/s.
 *
 * The log is built directly with one better-sqlite3 prepared INSERT in one transaction, synchronous=OFF (for
 * building only), hashing the real chain and signing the real checkpoints; then verified 3 times on a store
 * opened as Keywarden opens it. Beside the figure, where the time goes: reading the pages alone, hashing
 * alone (the pure verifier on pages already in memory) and the Ed25519 checks alone, on one thread and on
 * libuv's thread pool. Figures are printed, never asserted; the machine's load average is printed with them.
 *
 * Run alone: node --import tsx bench/audit-verify.bench.ts   (BENCH_QUICK=1: 100,000 entries)
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { AuditCheckpoints } from '../src/audit/audit-checkpoints.js';
import { openSqliteEntryReader, selectCheckpoints, selectEntryPage } from '../src/audit/audit-queries.js';
import { verifyAuditDatabase } from '../src/audit/audit-verify.js';
import { GENESIS_HASH } from '../src/domain/audit/audit-chain.js';
import {
  AuditChainVerifier,
  checkpointStatement,
  publicKeyId,
  type StoredAuditEntry,
  type StoredCheckpoint,
  storedEntryHash,
  verifyCheckpointSignature,
} from '../src/domain/audit/verify-chain.js';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { Random } from './random.js';
import { fmt, heading, printTable, QUICK, type SummaryRow, seconds, spread } from './stats.js';

const ENTRIES = QUICK ? 100_000 : 1_000_000;
const ROUNDS = 3;
const TARGET = 500_000;
const PAGE = 10_000;

const TYPES = ['checkout', 'return', 'auth.ok', 'auth.failed', 'denied', 'door.opened', 'door.closed'];
const REASONS = ['vehicle-swap', 'emergency-repair', 'lockout', 'patrol', 'maintenance'];

/** Builds the log at `path`: real chain, real signatures. Returns the public key to verify with. */
async function buildLog(path: string, count: number) {
  const store = openStore(`sqlite:${path}`);
  await migrateToLatest(store.db);
  await store.close();

  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  let ms = Date.UTC(2025, 0, 1);
  const checkpoints = new AuditCheckpoints({
    key: { privateKey, keyId: publicKeyId(publicKey) },
    now: () => new Date(ms),
  });
  const db = new SqliteDatabase(path);
  db.pragma('synchronous = OFF');
  const insertEntry = db.prepare(
    'insert into audit_entries (seq, at, type, actor_id, person_id, key_id, cabinet_id, policy_version, data, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertCheckpoint = db.prepare(
    'insert into audit_checkpoints (seq, hash, signed_at, signature, key_id) values (?, ?, ?, ?, ?)',
  );
  const random = new Random(20261127);
  let previous = GENESIS_HASH;
  db.transaction(() => {
    for (let seq = 1; seq <= count; seq++) {
      ms += random.between(1, 60_000);
      const person = `p-${random.between(1, 10_000)}`;
      const entry: StoredAuditEntry = {
        seq,
        at: new Date(ms).toISOString(),
        type: random.pick(TYPES),
        actor: person,
        person,
        key: random.chance(0.9) ? `key-${random.between(1, 5000)}` : null,
        cabinet: `cab-${random.between(1, 40)}`,
        policyVersion: random.between(1, 12),
        data: `{"factors":["badge","pin"],"reason":${JSON.stringify(random.pick(REASONS))},"slot":${random.between(1, 48)}}`,
        prevHash: previous,
        hash: '',
      };
      entry.hash = storedEntryHash(entry);
      previous = entry.hash;
      insertEntry.run(
        entry.seq,
        entry.at,
        entry.type,
        entry.actor,
        entry.person,
        entry.key,
        entry.cabinet,
        entry.policyVersion,
        entry.data,
        entry.prevHash,
        entry.hash,
      );
      if (seq % 100 === 0) {
        const checkpoint = checkpoints.sign(entry);
        insertCheckpoint.run(
          checkpoint.seq,
          checkpoint.hash,
          checkpoint.signedAt,
          checkpoint.signature,
          checkpoint.keyId,
        );
      }
    }
    db.prepare('update audit_head set seq = ?, hash = ?, updated_at = ? where id = 1').run(
      count,
      previous,
      new Date(ms).toISOString(),
    );
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return publicKey;
}

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Prints the figures and returns summary rows for run-all. */
export async function runAuditVerifyBench(): Promise<SummaryRow[]> {
  heading(`Audit verify: ${fmt(ENTRIES)} entries, a checkpoint every 100, SQLite`);
  console.log(
    `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average ${loadAverage()}: verify uses the main thread and libuv's thread pool`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-audit-bench-'));
  const path = join(dir, 'audit.db');
  try {
    let started = performance.now();
    const publicKey = await buildLog(path, ENTRIES);
    console.log(`built the log in ${seconds(performance.now() - started)} (hashing, signing, inserting)`);

    const url = `sqlite:${path}`;
    const store = openStore(url);
    try {
      // Warm-up: JIT, page cache, statement cache. Then the parallel fast path (the default for a SQLite
      // file) and the sequential verifier, alternating, so that both see the same machine load.
      const parallel = { minEntries: 0 };
      await verifyAuditDatabase(store.db, { publicKey, url, parallel });
      const rates: number[] = [];
      const sequentialRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of ['parallel', 'sequential'] as const) {
          started = performance.now();
          const report = await verifyAuditDatabase(store.db, {
            publicKey,
            url,
            parallel: mode === 'parallel' ? parallel : false,
          });
          const ms = performance.now() - started;
          if (!report.ok || report.entries !== ENTRIES || report.checkpoints !== ENTRIES / 100) {
            throw new Error(`the bench log did not verify: ${JSON.stringify(report.failure)}`);
          }
          (mode === 'parallel' ? rates : sequentialRates).push((ENTRIES * 1000) / ms);
          console.log(
            `round ${round + 1} ${mode.padEnd(10)}: ${seconds(ms)}, ${fmt((ENTRIES * 1000) / ms)} entries/s (load ${loadAverage()})`,
          );
        }
      }
      const sequentialWhole = spread(sequentialRates);
      console.log(
        `parallel fast path (${availableParallelism()} workers): ${fmt(spread(rates).median)} entries/s; sequential: ${fmt(sequentialWhole.median)} entries/s`,
      );
      const whole = spread(rates);

      // Where the time goes: each part alone, one pass each.
      const reader = openSqliteEntryReader(store.db, path);
      started = performance.now();
      const pages: StoredAuditEntry[][] = [];
      const pageCheckpoints: StoredCheckpoint[][] = [];
      let after: number | null = null;
      let rows = 0;
      for (;;) {
        const page = await reader.read(after, PAGE);
        if (page.length === 0) break;
        const last = (page.at(-1) as StoredAuditEntry).seq;
        pageCheckpoints.push(await selectCheckpoints(store.db, after, last));
        after = last;
        rows += page.length;
        // Keeping every page would hold a million rows in memory; the first 30 pages are enough to time.
        if (pages.length < 30) pages.push(page);
      }
      const readMs = performance.now() - started;
      reader.close();

      // The same pages through Kysely's driver, whose row objects are built in C++.
      started = performance.now();
      after = null;
      let kyselyRows = 0;
      for (let page = 0; page < 30; page++) {
        const entries = await selectEntryPage(store.db, after, PAGE);
        if (entries.length === 0) break;
        after = (entries.at(-1) as StoredAuditEntry).seq;
        kyselyRows += entries.length;
      }
      const kyselyMs = performance.now() - started;

      started = performance.now();
      const chainOnly = new AuditChainVerifier({ publicKey: null });
      for (const page of pages) chainOnly.addEntries(page);
      const hashMs = performance.now() - started;
      const hashed = pages.reduce((sum, page) => sum + page.length, 0);

      const sample = pageCheckpoints.flat().slice(0, 2000);
      started = performance.now();
      for (const checkpoint of sample) verifyCheckpointSignature(checkpoint, publicKey);
      const signSyncMs = performance.now() - started;
      started = performance.now();
      await Promise.all(
        sample.map(
          (checkpoint) =>
            new Promise<void>((resolve) =>
              verify(
                null,
                Buffer.from(checkpointStatement(checkpoint)),
                publicKey,
                Buffer.from(checkpoint.signature, 'base64'),
                () => resolve(),
              ),
            ),
        ),
      );
      const signPoolMs = performance.now() - started;

      const perEntry = (ms: number, n: number) => `${((ms * 1000) / n).toFixed(2)} µs/entry`;
      const signaturePerEntrySync = signSyncMs / sample.length / 100;
      const signaturePerEntryPool = signPoolMs / sample.length / 100;
      printTable([
        ['part', 'rate', 'cost', 'note'],
        [
          'verify from the database (whole)',
          `${fmt(whole.median)} entries/s`,
          `${(1e6 / whole.median).toFixed(2)} µs/entry`,
          `median of ${ROUNDS}, min ${fmt(whole.min)}, max ${fmt(whole.max)}`,
        ],
        [
          'reading pages of 10,000, raw read-only connection',
          `${fmt((rows * 1000) / readMs)} rows/s`,
          perEntry(readMs, rows),
          'what verify uses; entries and checkpoints',
        ],
        [
          "reading pages of 10,000 through Kysely's driver",
          `${fmt((kyselyRows * 1000) / kyselyMs)} rows/s`,
          perEntry(kyselyMs, kyselyRows),
          `${fmt(kyselyRows)} entries, for comparison`,
        ],
        [
          'hashing + chain checks (pure verifier)',
          `${fmt((hashed * 1000) / hashMs)} entries/s`,
          perEntry(hashMs, hashed),
          `${fmt(hashed)} entries in memory`,
        ],
        [
          'Ed25519 checks, one thread',
          `${fmt((sample.length * 1000) / signSyncMs)} checkpoints/s`,
          `${(signaturePerEntrySync * 1000).toFixed(2)} µs/entry`,
          'one per 100 entries',
        ],
        [
          'Ed25519 checks, libuv thread pool',
          `${fmt((sample.length * 1000) / signPoolMs)} checkpoints/s`,
          `${(signaturePerEntryPool * 1000).toFixed(2)} µs/entry`,
          'what verify uses, overlapped with hashing',
        ],
      ]);
      console.log(
        `target >= ${fmt(TARGET)} entries/s: ${whole.median >= TARGET ? 'met' : 'NOT met'} (load ${loadAverage()})`,
      );
      return [
        {
          what: `audit verify, ${fmt(ENTRIES)} entries (SQLite)`,
          value: `${fmt(whole.median)} entries/s`,
          spread: `${fmt(whole.min)}..${fmt(whole.max)}`,
          note: `target ${fmt(TARGET)}/s; read ${perEntry(readMs, rows)}, hash ${perEntry(hashMs, hashed)}, Ed25519 ${(signaturePerEntrySync * 1000).toFixed(2)} µs/entry`,
        },
      ];
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runAuditVerifyBench();
  heading('Summary');
  printTable([
    ['figure', 'median', 'spread', 'note'],
    ...rows.map((r) => [r.what, r.value, r.spread, r.note]),
  ]);
}
