/**
 * Tampering with the stored rows directly, as someone with the database owner's rights could (triggers
 * dropped or disabled), must be found by verify, named by its kind and the first entry it touches.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointStatement, publicKeyId, storedEntryHash } from '../domain/audit/verify-chain.js';
import type { Store } from '../store/database.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { AuditCheckpoints } from './audit-checkpoints.js';
import { AuditLog } from './audit-log.js';
import {
  createTempKey,
  dropAppendOnlyProtection,
  fillLog,
  forgeEntry,
  insertEntry,
  readEntries,
  readEntry,
  renumberFrom,
  steppingClock,
  swapEntries,
  type TempKey,
} from './audit-log.testing.js';
import { sqliteFileOf } from './audit-queries.js';
import { verifyAuditDatabase } from './audit-verify.js';
import { verifyInParallel } from './audit-verify-parallel.js';

/** The parallel fast path on even the smallest log, with more workers than cores. */
const FORCED = { workers: 3, minEntries: 0, pageSize: 7 };

interface Tampering {
  name: string;
  tamper(store: Store, temp: TempKey): Promise<void>;
  kind: string;
  seq: number;
  message?: RegExp;
}

const tamperings: Tampering[] = [
  {
    name: 'content changed',
    tamper: async ({ db }) => {
      await db
        .updateTable('audit_entries')
        .set({ type: 'key.found', person_id: 'p-nobody' })
        .where('seq', '=', 42)
        .execute();
    },
    kind: 'changed',
    seq: 42,
    message: /^entry 42 was changed: its content no longer matches its hash$/,
  },
  {
    name: 'details changed',
    tamper: async ({ db }) => {
      await db
        .updateTable('audit_entries')
        .set({ data: '{"reason":"other"}' })
        .where('seq', '=', 42)
        .execute();
    },
    kind: 'changed',
    seq: 42,
  },
  {
    name: 'hash changed',
    tamper: async ({ db }) => {
      await db
        .updateTable('audit_entries')
        .set({ hash: 'ab'.repeat(32) })
        .where('seq', '=', 42)
        .execute();
    },
    kind: 'changed',
    seq: 42,
  },
  {
    name: 'content changed and its hash recomputed',
    tamper: async ({ db }) => {
      const entry = { ...(await readEntry(db, 42)), type: 'key.found' };
      const hash = storedEntryHash(entry);
      await db.updateTable('audit_entries').set({ type: entry.type, hash }).where('seq', '=', 42).execute();
    },
    kind: 'changed',
    seq: 42,
    message: /entry 42 was changed: its hash is not the one entry 43 recorded/,
  },
  {
    name: 'the chain rewritten from entry 150 on, head included',
    tamper: async ({ db }) => {
      const entries = await readEntries(db);
      let previous = (entries[148] as { hash: string }).hash;
      for (const original of entries.slice(149)) {
        const entry = {
          ...original,
          prevHash: previous,
          actor: original.seq === 150 ? 'p-forger' : original.actor,
        };
        entry.hash = storedEntryHash(entry);
        await db
          .updateTable('audit_entries')
          .set({ actor_id: entry.actor, prev_hash: entry.prevHash, hash: entry.hash })
          .where('seq', '=', entry.seq)
          .execute();
        previous = entry.hash;
      }
      await db.updateTable('audit_head').set({ hash: previous }).execute();
    },
    kind: 'checkpoint_mismatch',
    seq: 200,
    message: /entries after entry 100 up to 200 were rewritten/,
  },
  {
    name: 'a middle entry deleted',
    tamper: async ({ db }) => {
      await db.deleteFrom('audit_entries').where('seq', '=', 42).execute();
    },
    kind: 'missing',
    seq: 42,
    message: /^entry 42 is missing: the log goes from entry 41 to entry 43$/,
  },
  {
    name: 'a middle entry deleted and the rest renumbered',
    tamper: async ({ db }) => {
      await db.deleteFrom('audit_entries').where('seq', '=', 42).execute();
      await renumberFrom(db, 43, -1);
      await db.updateTable('audit_head').set({ seq: 249 }).execute();
    },
    kind: 'missing',
    seq: 42,
    message: /renumbered/,
  },
  {
    name: 'the tail entry deleted',
    tamper: async ({ db }) => {
      await db.deleteFrom('audit_entries').where('seq', '=', 250).execute();
    },
    kind: 'head_mismatch',
    seq: 250,
    message: /^entry 250 is missing: the head records 250 entries but the log ends at entry 249$/,
  },
  {
    name: 'the tail deleted and the head rolled back, behind the minute checkpoint',
    tamper: async ({ db }) => {
      const entry = await readEntry(db, 240);
      await db.deleteFrom('audit_entries').where('seq', '>', 240).execute();
      await db.updateTable('audit_head').set({ seq: 240, hash: entry.hash }).execute();
    },
    kind: 'missing',
    seq: 241,
    message: /a checkpoint signed entry 250/,
  },
  {
    name: 'an entry inserted (the rest renumbered)',
    tamper: async ({ db }) => {
      const before = await readEntry(db, 41);
      await renumberFrom(db, 42, 1);
      await insertEntry(db, forgeEntry(42, before.hash));
      await db.updateTable('audit_head').set({ seq: 251 }).execute();
    },
    kind: 'inserted',
    seq: 42,
    message: /^entry 42 was inserted: the entry after it links to entry 41, not to it$/,
  },
  {
    name: 'an entry inserted after the head',
    tamper: async ({ db }) => {
      await insertEntry(db, forgeEntry(251, (await readEntry(db, 250)).hash));
    },
    kind: 'inserted',
    seq: 251,
  },
  {
    name: 'two entries swapped',
    tamper: async ({ db }) => {
      await swapEntries(db, 42, 43);
    },
    kind: 'reordered',
    seq: 42,
    message: /^entry 42 was reordered/,
  },
  {
    name: 'a checkpoint hash altered',
    tamper: async ({ db }) => {
      await db
        .updateTable('audit_checkpoints')
        .set({ hash: 'cd'.repeat(32) })
        .where('seq', '=', 100)
        .execute();
    },
    kind: 'checkpoint_mismatch',
    seq: 100,
    message:
      /^the checkpoint at entry 100 does not match: it signs hash cdcdcdcdcdcd… but the entry's hash is/,
  },
  {
    name: 'a checkpoint signature forged with another key',
    tamper: async ({ db }) => {
      const other = generateKeyPairSync('ed25519');
      const row = await db
        .selectFrom('audit_checkpoints')
        .selectAll()
        .where('seq', '=', 200)
        .executeTakeFirstOrThrow();
      const statement = checkpointStatement({ seq: row.seq, hash: row.hash, signedAt: row.signed_at });
      const signature = sign(null, Buffer.from(statement), other.privateKey).toString('base64');
      await db
        .updateTable('audit_checkpoints')
        .set({ signature, key_id: publicKeyId(other.publicKey) })
        .where('seq', '=', 200)
        .execute();
    },
    kind: 'checkpoint_mismatch',
    seq: 200,
    message: /it was signed by key [0-9a-f]{12}…, not the trusted key/,
  },
  {
    name: "a checkpoint signature forged under the trusted key's id",
    tamper: async ({ db }) => {
      const other = generateKeyPairSync('ed25519');
      const row = await db
        .selectFrom('audit_checkpoints')
        .selectAll()
        .where('seq', '=', 200)
        .executeTakeFirstOrThrow();
      const statement = checkpointStatement({ seq: row.seq, hash: row.hash, signedAt: row.signed_at });
      const signature = sign(null, Buffer.from(statement), other.privateKey).toString('base64');
      await db.updateTable('audit_checkpoints').set({ signature }).where('seq', '=', 200).execute();
    },
    kind: 'checkpoint_mismatch',
    seq: 200,
    message: /its signature does not verify with the trusted public key/,
  },
];

for (const dialect of await testDialects()) {
  describe(`audit verify on ${dialect} finds tampering with the stored rows`, () => {
    let database: TestDatabase;
    let temp: TempKey;

    beforeEach(async () => {
      database = await createTestDatabase(dialect, { synchronous: 'normal' });
      temp = createTempKey();
      await fillLog(database.store.db, 250, { key: temp.key });
      // The minute timer's checkpoint of the head, beside the ones at 100 and 200.
      await new AuditCheckpoints({ key: temp.key, now: steppingClock() }).checkpointIfDue(database.store.db);
      await dropAppendOnlyProtection(database.store);
    });

    afterEach(async () => {
      await database.drop();
      temp.remove();
    });

    it('finds nothing wrong with the log untouched (triggers dropped)', async () => {
      const report = await verifyAuditDatabase(database.store.db, { publicKey: temp.key.publicKey });
      expect(report).toMatchObject({ ok: true, entries: 250, checkpoints: 3, attestedThrough: 250 });
    });

    if (dialect === 'sqlite') {
      it('gives the same report through the parallel fast path as through the sequential verifier', async () => {
        const options = { publicKey: temp.key.publicKey, url: database.url };
        const sequential = await verifyAuditDatabase(database.store.db, { ...options, parallel: false });
        const parallel = await verifyAuditDatabase(database.store.db, { ...options, parallel: FORCED });
        expect(parallel).toEqual(sequential);
        expect(parallel).toMatchObject({ ok: true, entries: 250, checkpoints: 3, attestedThrough: 250 });
      });

      it('checks entries whose text JSON escapes (quotes, controls, non-ASCII) through the fast path', async () => {
        await database.store.db.transaction().execute((trx) =>
          new AuditLog({ now: steppingClock() }).append(trx, {
            type: 'note',
            actor: 'p-"quoted"\\back',
            person: 'Zoë\u0001\n\t',
            key: null,
            cabinet: '😀',
            policyVersion: null,
            data: { text: 'line\nbreak' },
          }),
        );
        const report = await verifyAuditDatabase(database.store.db, {
          publicKey: temp.key.publicKey,
          url: database.url,
          parallel: FORCED,
        });
        expect(report).toMatchObject({ ok: true, entries: 251 });
        // Not merely through the sequential fallback: SQLite's json_quote wrote the same text.
        const file = sqliteFileOf(database.url) as string;
        const fast = await verifyInParallel(database.store.db, file, temp.key.publicKey, FORCED);
        expect(fast).toMatchObject({ ok: true, entries: 251 });
      });
    }

    for (const tampering of tamperings) {
      it(`reports ${tampering.name} as ${tampering.kind} at ${tampering.seq}`, async () => {
        await tampering.tamper(database.store, temp);
        // Through Kysely, and (on SQLite) through the read-only raw connection the CLI uses, sequentially
        // and with the parallel fast path forced (which must give way to the sequential verifier).
        const runs = [
          {},
          { url: database.url, parallel: false as const },
          { url: database.url, parallel: FORCED },
        ];
        for (const run of runs) {
          const report = await verifyAuditDatabase(database.store.db, {
            publicKey: temp.key.publicKey,
            ...run,
          });
          expect(report.ok).toBe(false);
          expect(report.failure).toMatchObject({ kind: tampering.kind, seq: tampering.seq });
          if (tampering.message) expect(report.failure?.message).toMatch(tampering.message);
        }
      });
    }

    it('reports a head row that was deleted', async () => {
      await sql`delete from audit_head`.execute(database.store.db);
      const report = await verifyAuditDatabase(database.store.db, { publicKey: temp.key.publicKey });
      expect(report.failure).toMatchObject({ kind: 'head_mismatch', seq: 251 });
    });
  });
}
