import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cabinetOfToken } from '../cabinets/cabinet-tokens.service.js';
import { recordCheckout } from '../checkouts/checkouts.service.js';
import { SecretBox } from '../credentials/secret-box.js';
import { buildServer } from '../http/server.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext } from '../testing/service-context.js';
import { type DemoAccess, prepareDemoAccess } from './demo-access.js';

for (const dialect of await testDialects()) {
  describe(`demo access (serve --demo) on ${dialect}`, () => {
    let database: TestDatabase;
    let context: ReturnType<typeof newServiceContext> & { secrets: SecretBox };
    let first: DemoAccess;
    let second: DemoAccess;
    let app: Awaited<ReturnType<typeof buildServer>>;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      context = {
        ...newServiceContext(database.store),
        secrets: new SecretBox({ path: join(mkdtempSync(join(tmpdir(), 'kw-demo-')), 'secrets.key') }),
      };
      await context.activatePolicy();
      await database.store.db.transaction().execute((trx) =>
        recordCheckout(trx, context, {
          person: 'p-ruiz',
          key: 'car-101',
          factors: ['pin', 'badge'],
          reason: null,
        }),
      );
      first = await prepareDemoAccess(context);
      second = await prepareDemoAccess(context); // every start: again, without failing
      app = await buildServer({ store: database.store, now: context.now, demo: second });
    });

    afterAll(async () => {
      await app.close();
      await database.drop();
    });

    it("issues each cabinet's kiosk a token, and revokes the previous start's", async () => {
      expect([...second.kioskTokens.keys()]).toEqual(['central-a', 'central-b', 'north-a']);
      const now = context.now();
      expect(await cabinetOfToken(database.store.db, second.kioskTokens.get('central-a') ?? '', now)).toBe(
        'central-a',
      );
      expect(
        await cabinetOfToken(database.store.db, first.kioskTokens.get('central-a') ?? '', now),
      ).toBeNull();
    });

    it('returns what the officer held, so her first try is a checkout', async () => {
      const open = await database.store.db
        .selectFrom('checkouts')
        .select('id')
        .where('person_id', '=', 'p-ruiz')
        .where('status', '=', 'open')
        .execute();
      expect(open).toEqual([]);
    });

    it('audits every credential it sets, and never the secrets', async () => {
      const entries = await database.store.db
        .selectFrom('audit_entries')
        .select(['type', 'actor_id', 'data'])
        .where('actor_id', '=', 'demo')
        .execute();
      expect(new Set(entries.map((entry) => entry.type))).toEqual(
        new Set([
          'cabinet.token-issued',
          'cabinet.tokens-revoked',
          'credential.pin-set',
          'credential.badge-added',
          'credential.password-set',
          'console.role-granted',
          'credential.totp-enrolled',
        ]),
      );
      const text = JSON.stringify(entries);
      expect(text).not.toContain(second.officer.pin);
      expect(text).not.toContain(second.consoleUsers[0]?.password);
    });

    it('offers the tokens and hints on loopback only', async () => {
      const local = await app.inject({ method: 'GET', url: '/api/v1/demo/kiosk-tokens/central-a' });
      expect(local.statusCode).toBe(200);
      expect(local.json().token).toBe(second.kioskTokens.get('central-a'));
      const hints = await app.inject({ method: 'GET', url: '/api/v1/demo/hints' });
      expect(hints.json().officer).toEqual({
        person: 'p-ruiz',
        name: 'Dana Ruiz',
        badge: '4512093',
        pin: '482913',
      });
      expect(hints.json().consoleUsers.map((user: { role: string }) => user.role)).toEqual([
        'admin',
        'supervisor',
      ]);
      expect(hints.json().consoleUsers[0].code).toMatch(/^\d{6}$/);
      for (const url of ['/api/v1/demo/kiosk-tokens/central-a', '/api/v1/demo/hints']) {
        const remote = await app.inject({ method: 'GET', url, remoteAddress: '192.0.2.10' });
        expect(remote.statusCode).toBe(404);
        expect(remote.body).not.toContain('kwc_');
      }
      expect((await app.inject({ method: 'GET', url: '/api/v1/demo/kiosk-tokens/nowhere' })).statusCode).toBe(
        404,
      );
    });
  });
}
