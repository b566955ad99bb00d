import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointStatement, storedEntryHash } from '../domain/audit/verify-chain.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { AuditCheckpoints } from './audit-checkpoints.js';
import { exportAuditLog } from './audit-export.js';
import { createTempKey, fillLog, steppingClock, type TempKey } from './audit-log.testing.js';
import { parseAuditPublicKey } from './audit-signing-key.js';
import { AuditExportFormatError, verifyAuditExport } from './audit-verify.js';

type Line = Record<string, unknown>;

function readLines(path: string): Line[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
}

function writeLines(path: string, lines: Line[]): string {
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  return path;
}

const entryIndex = (lines: Line[], seq: number) =>
  lines.findIndex((line) => line.record === 'entry' && line.seq === seq);

for (const dialect of await testDialects()) {
  describe(`audit export from ${dialect}`, () => {
    let database: TestDatabase;
    let temp: TempKey;
    let file: string;

    beforeEach(async () => {
      database = await createTestDatabase(dialect, { synchronous: 'normal' });
      temp = createTempKey();
      await fillLog(database.store.db, 250, { key: temp.key });
      await new AuditCheckpoints({ key: temp.key, now: steppingClock() }).checkpointIfDue(database.store.db);
      file = join(temp.dir, 'audit.jsonl');
      const summary = await exportAuditLog(database.store.db, file, { publicKey: temp.key });
      expect(summary).toMatchObject({
        entries: 250,
        checkpoints: 3,
        head: { seq: 250 },
        foreignCheckpoints: 0,
      });
    });

    afterEach(async () => {
      await database.drop();
      temp.remove();
    });

    it('writes a header, the checkpoints, the entries and the head, one JSON record a line', () => {
      const lines = readLines(file);
      expect(lines).toHaveLength(1 + 3 + 250 + 1);
      expect(lines[0]).toMatchObject({
        record: 'header',
        format: 'keywarden-audit-export',
        version: 1,
        keyId: temp.key.keyId,
        publicKey: temp.key.publicKeyPem,
      });
      expect(lines.slice(1, 4).map((line) => [line.record, line.seq])).toEqual([
        ['checkpoint', 100],
        ['checkpoint', 200],
        ['checkpoint', 250],
      ]);
      expect(lines[4]).toMatchObject({ record: 'entry', seq: 1 });
      expect(typeof lines[4]?.data).toBe('string');
      expect(lines.at(-1)).toMatchObject({ record: 'head', seq: 250 });
    });

    it('verifies intact with the pinned public key alone', async () => {
      const trusted = parseAuditPublicKey(temp.key.publicKeyPem);
      const report = await verifyAuditExport(file, { trusted });
      expect(report).toMatchObject({
        ok: true,
        entries: 250,
        checkpoints: 3,
        attestedThrough: 250,
        keyPinned: true,
      });
      expect(report.warnings).toEqual([]);
    });

    it('verifies with the key in the file when none is pinned, and warns', async () => {
      const report = await verifyAuditExport(file);
      expect(report).toMatchObject({ ok: true, keyPinned: false, keyId: temp.key.keyId });
      expect(report.warnings.join('\n')).toMatch(/pin the key you trust with --public-key/);
    });

    it('reports a tampered entry line as changed', async () => {
      const lines = readLines(file);
      const index = entryIndex(lines, 77);
      lines[index] = { ...lines[index], actor: 'p-forger' };
      const report = await verifyAuditExport(writeLines(join(temp.dir, 't.jsonl'), lines));
      expect(report.failure).toMatchObject({ kind: 'changed', seq: 77 });
      expect(report.failure?.message).toBe('entry 77 was changed: its content no longer matches its hash');
    });

    it('reports a removed entry line as missing and swapped lines as reordered', async () => {
      const lines = readLines(file);
      const removed = lines.filter((_, index) => index !== entryIndex(lines, 77));
      expect((await verifyAuditExport(writeLines(join(temp.dir, 'r.jsonl'), removed))).failure).toMatchObject(
        {
          kind: 'missing',
          seq: 77,
        },
      );
      const swapped = [...lines];
      const index = entryIndex(lines, 77);
      [swapped[index], swapped[index + 1]] = [swapped[index + 1] as Line, swapped[index] as Line];
      expect((await verifyAuditExport(writeLines(join(temp.dir, 's.jsonl'), swapped))).failure).toMatchObject(
        {
          kind: 'reordered',
          seq: 77,
        },
      );
    });

    it('reports an export cut short', async () => {
      const lines = readLines(file).slice(0, -1);
      const report = await verifyAuditExport(writeLines(join(temp.dir, 'c.jsonl'), lines));
      expect(report.failure).toMatchObject({ kind: 'head_mismatch', seq: 251 });
    });

    it('passes a rewritten and re-signed export only when the trusted key is not pinned', async () => {
      // The forger rewrites entry 150 onwards, re-signs every checkpoint and puts their own key in the header.
      const forger = generateKeyPairSync('ed25519');
      const forgerKey = parseAuditPublicKey(
        forger.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      );
      const lines = readLines(file);
      let previous = '';
      const hashes = new Map<number, string>();
      for (const line of lines) {
        if (line.record !== 'entry') continue;
        const entry = line as unknown as Parameters<typeof storedEntryHash>[0];
        if (entry.seq >= 150) {
          if (entry.seq === 150) entry.actor = 'p-forger';
          entry.prevHash = previous;
          entry.hash = storedEntryHash(entry);
        }
        previous = entry.hash;
        hashes.set(entry.seq, entry.hash);
      }
      for (const line of lines) {
        if (line.record === 'checkpoint') {
          line.hash = hashes.get(line.seq as number);
          const statement = checkpointStatement(line as { seq: number; hash: string; signedAt: string });
          line.signature = sign(null, Buffer.from(statement), forger.privateKey).toString('base64');
          line.keyId = forgerKey.keyId;
        }
        if (line.record === 'head') line.hash = previous;
        if (line.record === 'header')
          Object.assign(line, { publicKey: forgerKey.publicKeyPem, keyId: forgerKey.keyId });
      }
      const forged = writeLines(join(temp.dir, 'forged.jsonl'), lines);

      expect((await verifyAuditExport(forged)).ok).toBe(true);
      const pinned = await verifyAuditExport(forged, { trusted: parseAuditPublicKey(temp.key.publicKeyPem) });
      expect(pinned.failure).toMatchObject({ kind: 'checkpoint_mismatch', seq: 100 });
      expect(pinned.failure?.message).toMatch(/not the trusted key/);
      expect(pinned.warnings.join('\n')).toMatch(/not the trusted key/);
    });

    it('refuses a damaged file with the line that is wrong', async () => {
      const text = readFileSync(file, 'utf8').split('\n');
      text[10] = '{"record":"entry","seq":';
      writeFileSync(join(temp.dir, 'd.jsonl'), text.join('\n'));
      await expect(verifyAuditExport(join(temp.dir, 'd.jsonl'))).rejects.toThrow(
        new AuditExportFormatError('line 11 is not JSON'),
      );
      const lines = readLines(file);
      const moved = [lines[0] as Line, ...lines.slice(2, 10), lines[1] as Line, ...lines.slice(10)];
      await expect(verifyAuditExport(writeLines(join(temp.dir, 'm.jsonl'), moved))).rejects.toThrow(
        /a checkpoint after the entries/,
      );
      writeFileSync(join(temp.dir, 'empty.jsonl'), '');
      await expect(verifyAuditExport(join(temp.dir, 'empty.jsonl'))).rejects.toThrow(/no export header/);
    });
  });
}
