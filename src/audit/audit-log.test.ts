import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql, type Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/database.js';
import type { DB } from '../store/schema.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { AuditCheckpoints, startCheckpointTimer } from './audit-checkpoints.js';
import { AuditLog } from './audit-log.js';
import {
  createTempKey,
  fillLog,
  readEntries,
  sampleEntry,
  steppingClock,
  type TempKey,
} from './audit-log.testing.js';
import { verifyAuditDatabase } from './audit-verify.js';

const APPENDER = fileURLToPath(new URL('./append-entries.testing.ts', import.meta.url));

/** Runs append-entries.testing.ts in a process of its own; resolves to its exit code. */
function runAppender(
  url: string,
  keyFile: string,
  count: number,
  offset: number,
  startAt: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', APPENDER, url, keyFile, String(count), String(offset), String(startAt)],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

for (const dialect of await testDialects()) {
  describe(`audit log on ${dialect}`, () => {
    let database: TestDatabase;
    let temp: TempKey;

    beforeEach(async () => {
      database = await createTestDatabase(dialect, { synchronous: 'normal' });
      temp = createTempKey();
    });

    afterEach(async () => {
      await database.drop();
      temp.remove();
    });

    it('appends 250 entries with contiguous seqs and signs checkpoints at 100 and 200', async () => {
      const { db } = database.store;
      await fillLog(db, 250, { key: temp.key });

      const entries = await readEntries(db);
      expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
      const checkpoints = await db
        .selectFrom('audit_checkpoints')
        .select(['seq', 'key_id'])
        .orderBy('seq')
        .execute();
      expect(checkpoints).toEqual([
        { seq: 100, key_id: temp.key.keyId },
        { seq: 200, key_id: temp.key.keyId },
      ]);

      const report = await verifyAuditDatabase(db, { publicKey: temp.key.publicKey });
      expect(report).toMatchObject({
        ok: true,
        entries: 250,
        checkpoints: 2,
        attestedThrough: 200,
        failure: null,
      });
      expect(report.head).toMatchObject({ seq: 250, hash: entries.at(-1)?.hash });
    });

    it('verifies in small pages exactly as in one, through either reader', async () => {
      const { db } = database.store;
      await fillLog(db, 120, { key: temp.key, every: 10 });
      for (const url of [undefined, database.url]) {
        const report = await verifyAuditDatabase(db, { publicKey: temp.key.publicKey, pageSize: 7, url });
        expect(report).toMatchObject({ ok: true, entries: 120, checkpoints: 12, attestedThrough: 120 });
      }
    });

    it('verifies while entries are being appended', async () => {
      const { db } = database.store;
      await fillLog(db, 100, { key: temp.key, every: 10 });
      const [report] = await Promise.all([
        verifyAuditDatabase(db, { publicKey: temp.key.publicKey, pageSize: 10, url: database.url }),
        fillLog(db, 100, { key: temp.key, every: 10, from: 100 }),
      ]);
      expect(report.ok).toBe(true);
      expect(report.entries).toBeGreaterThanOrEqual(100);
      expect(report.head?.seq).toBe(report.entries);
    });

    it('verifies an empty log', async () => {
      const report = await verifyAuditDatabase(database.store.db, { publicKey: temp.key.publicKey });
      expect(report).toMatchObject({ ok: true, entries: 0, checkpoints: 0, head: { seq: 0 } });
    });

    it('checkpoints the head on the minute only when it moved since the last checkpoint', async () => {
      const { db } = database.store;
      const checkpoints = new AuditCheckpoints({ key: temp.key, now: steppingClock() });
      expect(await checkpoints.checkpointIfDue(db)).toBeNull();
      await fillLog(db, 250, { key: temp.key });

      const written = await checkpoints.checkpointIfDue(db);
      expect(written).toMatchObject({ seq: 250, keyId: temp.key.keyId });
      expect(await checkpoints.checkpointIfDue(db)).toBeNull();

      const report = await verifyAuditDatabase(db, { publicKey: temp.key.publicKey });
      expect(report).toMatchObject({ ok: true, checkpoints: 3, attestedThrough: 250 });
    });

    it('runs the minute timer until stopped', async () => {
      const { db } = database.store;
      const checkpoints = new AuditCheckpoints({ key: temp.key });
      const errors: unknown[] = [];
      const timer = startCheckpointTimer(db, checkpoints, { intervalMs: 20, onError: (e) => errors.push(e) });
      await fillLog(db, 5, { key: temp.key });
      const deadline = Date.now() + 5000;
      let seq: number | undefined;
      while (Date.now() < deadline && seq !== 5) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        const row = await db
          .selectFrom('audit_checkpoints')
          .select('seq')
          .orderBy('seq', 'desc')
          .executeTakeFirst();
        seq = row?.seq;
      }
      await timer.stop();
      expect(seq).toBe(5);
      expect(errors).toEqual([]);
    });

    it('keeps seqs contiguous and the chain whole when two processes append at once', async () => {
      const startAt = Date.now() + 2500;
      const results = await Promise.all(
        [0, 1000].map((offset) => runAppender(database.url, temp.key.path, 60, offset, startAt)),
      );
      expect(results).toEqual([0, 0]);
      const { db } = database.store;
      const entries = await readEntries(db);
      expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      // Every entry of both processes is there, whatever order the lock gave them.
      const fromFirst = entries.map((entry) => (JSON.parse(entry.data) as { n: number }).n < 1000);
      expect(fromFirst.filter(Boolean)).toHaveLength(60);
      const report = await verifyAuditDatabase(db, { publicKey: temp.key.publicKey });
      expect(report).toMatchObject({ ok: true, entries: 120, checkpoints: 12, attestedThrough: 120 });
    });

    if (dialect === 'postgres') {
      it('keeps seqs contiguous when two connection pools of one process append at once', async () => {
        const second = openStore(database.url);
        try {
          const key = temp.key;
          const appendMany = async (db: Kysely<DB>, offset: number) => {
            const log = new AuditLog({ checkpoints: new AuditCheckpoints({ key, every: 10 }) });
            await Promise.all(
              Array.from({ length: 40 }, (_, i) =>
                db.transaction().execute((trx) => log.append(trx, sampleEntry(offset + i))),
              ),
            );
          };
          await Promise.all([appendMany(database.store.db, 0), appendMany(second.db, 1000)]);
        } finally {
          await second.close();
        }
        const { db } = database.store;
        const entries = await readEntries(db);
        expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
        const report = await verifyAuditDatabase(db, { publicKey: temp.key.publicKey });
        expect(report).toMatchObject({ ok: true, entries: 80, checkpoints: 8, attestedThrough: 80 });
      });
    }

    it('refuses UPDATE and DELETE of entries and checkpoints', async () => {
      const { db } = database.store;
      await fillLog(db, 100, { key: temp.key });
      await expect(
        db.updateTable('audit_entries').set({ type: 'x' }).where('seq', '=', 5).execute(),
      ).rejects.toThrow(/append-only/);
      await expect(db.deleteFrom('audit_entries').where('seq', '=', 100).execute()).rejects.toThrow(
        /append-only/,
      );
      await expect(
        db.updateTable('audit_checkpoints').set({ hash: 'x' }).where('seq', '=', 100).execute(),
      ).rejects.toThrow(/append-only/);
      await expect(db.deleteFrom('audit_checkpoints').execute()).rejects.toThrow(/append-only/);
      if (dialect === 'postgres') {
        await expect(sql`truncate audit_entries`.execute(db)).rejects.toThrow(/append-only/);
        await expect(sql`truncate audit_checkpoints`.execute(db)).rejects.toThrow(/append-only/);
      }
      expect(await readEntries(db)).toHaveLength(100);
      expect((await verifyAuditDatabase(db, { publicKey: temp.key.publicKey })).ok).toBe(true);
    });

    if (dialect === 'postgres') {
      /** Runs `work` as the application's role, in a transaction of its own (a refusal aborts it). */
      const asApp = (db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<unknown>) =>
        db.transaction().execute(async (trx) => {
          await sql`set local role keywarden_app`.execute(trx);
          return work(trx);
        });

      it("denies the application's role UPDATE, DELETE and TRUNCATE, but lets it append and read", async () => {
        const { db } = database.store;
        await fillLog(db, 100, { key: temp.key });
        // Without the triggers, only the revoked privileges stand in the way.
        await sql`alter table audit_entries disable trigger user`.execute(db);
        await sql`alter table audit_checkpoints disable trigger user`.execute(db);

        const denied = /permission denied for table audit_(entries|checkpoints)/;
        await expect(
          asApp(db, (trx) =>
            trx.updateTable('audit_entries').set({ type: 'x' }).where('seq', '=', 5).execute(),
          ),
        ).rejects.toThrow(denied);
        await expect(
          asApp(db, (trx) => trx.deleteFrom('audit_entries').where('seq', '=', 5).execute()),
        ).rejects.toThrow(denied);
        await expect(asApp(db, (trx) => sql`truncate audit_entries`.execute(trx))).rejects.toThrow(denied);
        await expect(
          asApp(db, (trx) => trx.updateTable('audit_checkpoints').set({ hash: 'x' }).execute()),
        ).rejects.toThrow(denied);
        await expect(asApp(db, (trx) => trx.deleteFrom('audit_checkpoints').execute())).rejects.toThrow(
          denied,
        );
        await expect(asApp(db, (trx) => sql`truncate audit_checkpoints`.execute(trx))).rejects.toThrow(
          denied,
        );

        const log = new AuditLog({ checkpoints: new AuditCheckpoints({ key: temp.key, every: 1000 }) });
        const appended = await asApp(db, (trx) => log.append(trx, sampleEntry(100)));
        expect(appended).toMatchObject({ seq: 101 });
        const rows = await asApp(db, (trx) => trx.selectFrom('audit_entries').select('seq').execute());
        expect(rows).toHaveLength(101);
        expect(
          await asApp(db, (trx) => new AuditCheckpoints({ key: temp.key }).checkpointIfDue(trx)),
        ).toMatchObject({
          seq: 101,
        });
        expect((await verifyAuditDatabase(db, { publicKey: temp.key.publicKey })).ok).toBe(true);
      });
    }
  });
}
