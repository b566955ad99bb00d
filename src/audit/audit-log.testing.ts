/**
 * Helpers for the audit tests: a log filled through the real AuditLog, a signing key in a temp directory, and
 * the means to tamper with the stored rows as an attacker with database access would (triggers dropped).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { GENESIS_HASH } from '../domain/audit/audit-chain.js';
import { type StoredAuditEntry, storedEntryHash } from '../domain/audit/verify-chain.js';
import type { Store } from '../store/database.js';
import type { DB } from '../store/schema.js';
import { AuditCheckpoints } from './audit-checkpoints.js';
import { AuditLog, type NewAuditEntry } from './audit-log.js';
import { selectEntryPage } from './audit-queries.js';
import { type AuditSigningKey, loadOrCreateAuditSigningKey } from './audit-signing-key.js';

export interface TempKey {
  key: AuditSigningKey;
  dir: string;
  remove(): void;
}

export function createTempKey(): TempKey {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-audit-key-'));
  const key = loadOrCreateAuditSigningKey({ path: join(dir, 'audit-signing-key.pem') });
  return { key, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock that moves one second per reading, so entries and checkpoints have distinct times. */
export function steppingClock(start = Date.UTC(2026, 10, 27, 8, 0, 0)): () => Date {
  let ms = start;
  return () => {
    ms += 1000;
    return new Date(ms);
  };
}

export function sampleEntry(index: number): NewAuditEntry {
  const kinds = ['checkout', 'return', 'denied', 'auth.failed', 'policy.approved'];
  return {
    type: kinds[index % kinds.length] as string,
    actor: `p-${index % 7}`,
    person: index % 5 === 0 ? null : `p-${index % 11}`,
    key: index % 3 === 0 ? null : `car-${100 + (index % 13)}`,
    cabinet: index % 4 === 0 ? null : 'cab-north',
    policyVersion: index % 6 === 0 ? null : 3,
    data: {
      reason: 'vehicle-swap',
      factors: ['pin', 'badge'],
      note: `entry "${index}" — ünïcode ✓`,
      n: index,
    },
  };
}

/** Appends `count` entries, one transaction each, as the services do. */
export async function fillLog(
  db: Kysely<DB>,
  count: number,
  options: { log?: AuditLog; key?: AuditSigningKey; every?: number; from?: number } = {},
): Promise<void> {
  const now = steppingClock();
  const log =
    options.log ??
    new AuditLog({
      now,
      checkpoints: options.key
        ? new AuditCheckpoints({ key: options.key, every: options.every, now })
        : undefined,
    });
  const from = options.from ?? 0;
  for (let index = from; index < from + count; index++) {
    await db.transaction().execute((trx) => log.append(trx, sampleEntry(index)));
  }
}

/** Lets the test change stored rows directly, as someone with the database owner's rights could. */
export async function dropAppendOnlyProtection(store: Store): Promise<void> {
  if (store.dialect === 'sqlite') {
    for (const table of ['audit_entries', 'audit_checkpoints']) {
      for (const action of ['update', 'delete']) {
        await sql.raw(`drop trigger ${table}_no_${action}`).execute(store.db);
      }
    }
    return;
  }
  await sql`alter table audit_entries disable trigger user`.execute(store.db);
  await sql`alter table audit_checkpoints disable trigger user`.execute(store.db);
}

export async function readEntries(db: Kysely<DB>): Promise<StoredAuditEntry[]> {
  return selectEntryPage(db, null, 1_000_000);
}

export async function readEntry(db: Kysely<DB>, seq: number): Promise<StoredAuditEntry> {
  const entry = (await readEntries(db)).find((candidate) => candidate.seq === seq);
  if (!entry) throw new Error(`no entry ${seq}`);
  return entry;
}

/** Moves entries from `fromSeq` on by `by` (negative: down), in two steps so the primary key never collides. */
export async function renumberFrom(db: Kysely<DB>, fromSeq: number, by: number): Promise<void> {
  await sql`update audit_entries set seq = -seq where seq >= ${fromSeq}`.execute(db);
  await sql`update audit_entries set seq = -seq + ${by} where seq < 0`.execute(db);
}

/** Exchanges two entries' places by exchanging their seqs. */
export async function swapEntries(db: Kysely<DB>, a: number, b: number): Promise<void> {
  await sql`update audit_entries set seq = -1 where seq = ${a}`.execute(db);
  await sql`update audit_entries set seq = ${a} where seq = ${b}`.execute(db);
  await sql`update audit_entries set seq = ${b} where seq = -1`.execute(db);
}

/** An entry with a valid hash for its place, as a forger who knows the algorithm would write it. */
export function forgeEntry(
  seq: number,
  prevHash: string | undefined,
  overrides: Partial<StoredAuditEntry> = {},
) {
  const entry: StoredAuditEntry = {
    seq,
    at: '2026-11-27T09:00:00.000Z',
    type: 'return',
    actor: 'p-forger',
    person: 'p-forger',
    key: 'car-101',
    cabinet: 'cab-north',
    policyVersion: 3,
    data: '{"reason":"nothing to see"}',
    prevHash: prevHash ?? GENESIS_HASH,
    hash: '',
    ...overrides,
  };
  entry.hash = storedEntryHash(entry);
  return entry;
}

export async function insertEntry(db: Kysely<DB>, entry: StoredAuditEntry): Promise<void> {
  await db
    .insertInto('audit_entries')
    .values({
      seq: entry.seq,
      at: entry.at,
      type: entry.type,
      actor_id: entry.actor,
      person_id: entry.person,
      key_id: entry.key,
      cabinet_id: entry.cabinet,
      policy_version: entry.policyVersion,
      data: entry.data,
      prev_hash: entry.prevHash,
      hash: entry.hash,
    })
    .execute();
}
