/**
 * The audit chain over HTTP on a real database: the verification (intact, then a tampered entry named),
 * cached with its time and re-run when asked; the export downloaded, verifiable with the public key alone,
 * and itself audited; both refused to supervisors and to no one signed in.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConsoleServer } from '../console/console-server.testing.js';
import { startConsoleSession } from '../console/console-sessions.service.js';
import { grantConsoleRole } from '../console/console-users.service.js';
import { type CredentialTestBed, createCredentialTestBed } from '../credentials/credentials.testing.js';
import { testDialects } from '../store/test-databases.js';
import { createTempKey, dropAppendOnlyProtection, type TempKey } from './audit-log.testing.js';
import { parseAuditPublicKey } from './audit-signing-key.js';
import { verifyAuditExport } from './audit-verify.js';

for (const dialect of await testDialects()) {
  describe(`audit verification and export over HTTP (${dialect})`, () => {
    let bed: CredentialTestBed;
    let temp: TempKey;
    let app: FastifyInstance;
    const headers = async (person: string) => {
      const opened = await startConsoleSession(bed.db, person, bed.clock.now());
      return { cookie: `kw_session=${opened.token}` };
    };
    const get = async (url: string, person: string) =>
      app.inject({ method: 'GET', url, headers: await headers(person) });

    beforeEach(async () => {
      bed = await createCredentialTestBed(dialect);
      temp = createTempKey();
      await bed.db.transaction().execute(async (trx) => {
        await grantConsoleRole(trx, bed.context, 'p-haddad', 'auditor', { by: 'cli' });
        await grantConsoleRole(trx, bed.context, 'p-chen', 'supervisor', { by: 'cli' });
      });
      app = await buildConsoleServer({
        store: bed.database.store,
        now: bed.clock.now,
        console: bed.context,
        auditTrail: { ...bed.context, auditKey: temp.key },
      });
      await app.ready();
    });
    afterEach(async () => {
      await app.close();
      await bed.drop();
      temp.remove();
    });

    it('reports the chain intact, reuses the result until it is stale, and names a tampered entry', async () => {
      const first = await get('/api/v1/audit-verification', 'p-haddad');
      expect(first.statusCode).toBe(200);
      const verification = first.json().verification;
      const entries = await bed.db.selectFrom('audit_entries').select('seq').execute();
      expect(verification).toMatchObject({
        ok: true,
        entries: entries.length,
        failure: null,
        cached: false,
        verifiedAt: bed.clock.now().toISOString(),
        keyId: temp.key.keyId,
      });
      expect(verification.head.seq).toBe(entries.length);

      // Within the minute: the same result, marked cached, even when a refresh is asked.
      await dropAppendOnlyProtection(bed.database.store);
      await sql`update audit_entries set type = 'checkout.rewritten' where seq = 2`.execute(bed.db);
      const again = (await get('/api/v1/audit-verification?refresh=true', 'p-haddad')).json().verification;
      expect(again).toMatchObject({ ok: true, cached: true, verifiedAt: verification.verifiedAt });

      bed.clock.advance(61_000);
      const fresh = (await get('/api/v1/audit-verification?refresh=true', 'p-haddad')).json().verification;
      expect(fresh).toMatchObject({ ok: false, cached: false, entries: 1, failure: { seq: 2 } });
      expect(fresh.failure.message).toContain('2');
    });

    it('verifies again once an entry was appended and a minute passed, and after 10 minutes regardless', async () => {
      const read = async () =>
        (await get('/api/v1/audit-verification', 'p-haddad')).json().verification as {
          cached: boolean;
          entries: number;
        };
      const first = await read();
      bed.clock.advance(2 * 60_000);
      expect(await read()).toMatchObject({ cached: true, entries: first.entries }); // nothing appended
      await bed.db
        .transaction()
        .execute((trx) => bed.context.audit.append(trx, { type: 'test.appended', actor: 'cli' }));
      expect(await read()).toMatchObject({ cached: false, entries: first.entries + 1 });
      bed.clock.advance(9 * 60_000);
      expect((await read()).cached).toBe(true);
      bed.clock.advance(60_000);
      expect((await read()).cached).toBe(false);
    });

    it('downloads the export, which verifies with the public key alone, and audits it', async () => {
      const response = await get('/api/v1/audit-export', 'p-haddad');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('application/jsonl');
      expect(response.headers['content-disposition']).toBe(
        'attachment; filename="keywarden-audit-2026-11-25.jsonl"',
      );
      const lines = response.body.trimEnd().split('\n');
      expect(JSON.parse(lines[0] as string)).toMatchObject({ record: 'header', keyId: temp.key.keyId });
      const file = join(temp.dir, 'downloaded.jsonl');
      writeFileSync(file, response.body);
      const report = await verifyAuditExport(file, { trusted: parseAuditPublicKey(temp.key.publicKeyPem) });
      expect(report.ok).toBe(true);

      const exported = await bed.db
        .selectFrom('audit_entries')
        .selectAll()
        .where('type', '=', 'audit.exported')
        .execute();
      expect(exported).toHaveLength(1);
      expect(exported[0]?.actor_id).toBe('p-haddad');
      expect(JSON.parse(exported[0]?.data as string)).toEqual({
        entries: report.entries,
        checkpoints: 0,
        headSeq: report.entries,
        keyId: temp.key.keyId,
        via: 'console',
      });
      expect(response.body).not.toContain('PRIVATE KEY');
    });

    it('refuses supervisors and anyone not signed in', async () => {
      for (const url of ['/api/v1/audit-verification', '/api/v1/audit-export']) {
        expect((await get(url, 'p-chen')).statusCode).toBe(403);
        expect((await app.inject({ method: 'GET', url })).statusCode).toBe(401);
      }
      const exported = await bed.db
        .selectFrom('audit_entries')
        .select('seq')
        .where('type', '=', 'audit.exported')
        .execute();
      expect(exported).toHaveLength(0);
    });
  });
}
