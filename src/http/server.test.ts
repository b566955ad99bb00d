import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCheckout } from '../checkouts/checkouts.service.js';
import { startConsoleSession } from '../console/console-sessions.service.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext } from '../testing/service-context.js';
import { buildServer } from './server.js';

for (const dialect of await testDialects()) {
  describe(`HTTP server on ${dialect}`, () => {
    let database: TestDatabase;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let cookie = '';
    let get: (url: string) => Promise<Awaited<ReturnType<typeof app.inject>>>;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      const context = newServiceContext(database.store);
      await context.activatePolicy();
      context.clock.set('2026-11-27T08:30:00Z');
      for (const [person, key] of [
        ['p-ruiz', 'car-101'],
        ['p-novak', 'car-102'],
      ] as const) {
        await database.store.db
          .transaction()
          .execute((trx) =>
            recordCheckout(trx, context, { person, key, factors: ['pin', 'badge'], reason: 'vehicle-swap' }),
          );
      }
      await database.store.db
        .insertInto('console_roles')
        .values({ person_id: 'p-okafor', role: 'admin' })
        .execute();
      const { token } = await startConsoleSession(database.store.db, 'p-okafor', context.now());
      cookie = `kw_session=${token}`;
      app = await buildServer({ store: database.store, now: context.now, statusPage: 'detailed' });
      // Every read below is a signed-in administrator's; the role matrix lives in src/console/console.test.ts.
      const inject = app.inject.bind(app);
      get = (url: string) => inject({ method: 'GET', url, headers: { cookie } });
    });

    afterAll(async () => {
      await app.close();
      await database.drop();
    });

    it('answers health with the database kind, the active version and the audit head', async () => {
      const response = await get('/api/v1/health');
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ status: 'ok', database: dialect, activePolicyVersion: 1 });
      expect(body.auditHead.seq).toBeGreaterThan(10);
    });

    it('pages through keys with a cursor and a Link header', async () => {
      const first = await get('/api/v1/keys?limit=3');
      expect(first.statusCode).toBe(200);
      expect(first.json().keys.map((k: { id: string }) => k.id)).toEqual([
        'armory-main',
        'boiler-room',
        'car-101',
      ]);
      const link = first.headers.link as string;
      expect(link).toMatch(/^<\/api\/v1\/keys\?limit=3&cursor=[\w-]+>; rel="next"$/);
      const nextUrl = link.slice(1, link.indexOf('>'));
      const second = await get(nextUrl);
      expect(second.json().keys.map((k: { id: string }) => k.id)).toEqual(['car-102', 'car-103', 'car-201']);
      const all = [];
      let url: string | null = '/api/v1/keys?limit=3';
      while (url) {
        const page = await get(url);
        all.push(...page.json().keys);
        const next = page.headers.link as string | undefined;
        url = next ? next.slice(1, next.indexOf('>')) : null;
      }
      expect(all).toHaveLength(8);
    });

    it('filters keys by status and shows the effective sensitivity', async () => {
      const response = await get('/api/v1/keys?status=out');
      expect(
        response
          .json()
          .keys.map((k: { id: string }) => k.id)
          .sort(),
      ).toEqual(['car-101', 'car-102']);
      const armory = await get('/api/v1/keys/armory-main');
      expect(armory.json().key).toMatchObject({
        sensitivity: 'critical',
        status: 'in',
        slot: 1,
        cabinet: 'central-b',
      });
    });

    it('lists checkouts newest first with their deciding policy version', async () => {
      const response = await get('/api/v1/checkouts?status=open&afterHours=true');
      const { checkouts } = response.json();
      expect(checkouts).toHaveLength(2);
      expect(checkouts[0]).toMatchObject({
        policyVersion: 1,
        rule: 'officers-patrol-cars',
        afterHours: true,
        reason: 'vehicle-swap',
      });
      const one = await get(`/api/v1/checkouts/${checkouts[0].id}`);
      expect(one.json().checkout.id).toBe(checkouts[0].id);
      const none = await get('/api/v1/checkouts?person=p-berg');
      expect(none.json().checkouts).toEqual([]);
    });

    it('lists audit entries with their hashes, filterable by type', async () => {
      const response = await get('/api/v1/audit-entries?type=checkout');
      const { entries } = response.json();
      expect(entries).toHaveLength(2);
      expect(entries[0].seq).toBeGreaterThan(entries[1].seq);
      expect(entries[0].hash).toMatch(/^[0-9a-f]{64}$/);
      expect(entries[0].data).toMatchObject({ reason: 'vehicle-swap', afterHours: true });
    });

    it('answers unknown things and bad input with the one error shape', async () => {
      const missing = await get('/api/v1/keys/nope');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'there is no key "nope"' } });
      const bad = await get('/api/v1/checkouts?limit=100000');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('invalid_request');
      const cursor = await get('/api/v1/audit-entries?cursor=garbage');
      expect(cursor.statusCode).toBe(400);
      expect(cursor.json().error.code).toBe('invalid_request');
      const route = await get('/api/v1/nothing-here');
      expect(route.statusCode).toBe(404);
      expect(route.json().error.code).toBe('not_found');
    });

    it('renders the active version as a printable procedure', async () => {
      const response = await get('/api/v1/policy-versions/1/procedure?year=2026');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).toContain('Thanksgiving Day');
    });

    it('documents every API route in OpenAPI', async () => {
      const response = await get('/docs/json');
      const paths = Object.keys(response.json().paths);
      for (const path of [
        '/api/v1/health',
        '/api/v1/keys',
        '/api/v1/keys/{id}',
        '/api/v1/checkouts',
        '/api/v1/audit-entries',
        '/api/v1/policy-versions',
      ]) {
        expect(paths).toContain(path);
      }
    });

    it('serves a status page showing the keys out now', async () => {
      const response = await get('/');
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('Keys out now (2)');
      expect(response.body).toContain('Dana Ruiz');
      // First use: the kiosk, its simulator and the console, at localhost (WebAuthn's origin) on this port.
      const at127 = await app.inject({ method: 'GET', url: '/', headers: { host: '127.0.0.1:8080' } });
      expect(at127.body).toContain('href="http://localhost:8080/kiosk/central-a"');
      expect(at127.body).toContain('href="http://localhost:8080/kiosk/central-a/simulator"');
      expect(at127.body).toContain('href="http://localhost:8080/console"');
    });

    it('shows counts but no names on the status page unless asked for details', async () => {
      const summary = await buildServer({
        store: database.store,
        now: () => new Date('2026-11-27T09:00:00Z'),
      });
      const response = await summary.inject({ method: 'GET', url: '/' });
      const procedure = await summary.inject({ method: 'GET', url: '/procedure' });
      await summary.close();
      expect(response.body).toContain('Keys out now: 2 of 8');
      expect(response.body).not.toContain('Dana Ruiz');
      expect(response.body).not.toContain('p-ruiz');
      expect(procedure.statusCode).toBe(404);
    });

    it('shows open incidents and notifications that cannot go out, to act on', async () => {
      const db = database.store.db;
      await db
        .insertInto('incidents')
        .values({
          id: 'inc-status-1',
          kind: 'overdue',
          status: 'open',
          person_id: 'p-ruiz',
          key_id: 'car-101',
          checkout_id: null,
          owner_id: 'p-chen',
          summary: 'Patrol car 101 is 2 hours overdue',
          opened_at: '2026-11-27T10:30:00.000Z',
          closed_at: null,
          resolution: null,
        })
        .execute();
      await db
        .insertInto('notification_messages')
        .values({
          id: 'msg-status-1',
          idempotency_key: 'status-page-test',
          event_id: null,
          event_type: 'checkout',
          rule_id: 'after-hours-removal',
          channel: 'email',
          recipient_person_id: 'p-chen',
          address: 'm.chen@riverside.example',
          subject: 'x',
          body_text: 'x',
          body_html: null,
          payload: '{}',
          status: 'pending',
          attempts: 0,
          next_attempt_at: '2026-11-27T11:30:00.000Z',
          created_at: '2026-11-27T10:30:00.000Z',
          sent_at: null,
          read_at: null,
          last_error: 'waiting for channel settings: SMTP is not configured',
        })
        .execute();
      const detailed = await get('/');
      expect(detailed.body).toContain('Open incidents (1)');
      expect(detailed.body).toContain('Patrol car 101 is 2 hours overdue');
      expect(detailed.body).toContain('1 notification waiting for channel settings');
      const summary = await buildServer({
        store: database.store,
        now: () => new Date('2026-11-27T12:00:00Z'),
      });
      const counts = await summary.inject({ method: 'GET', url: '/' });
      await summary.close();
      expect(counts.body).toContain('1 open incident;');
      expect(counts.body).not.toContain('Patrol car 101 is 2 hours overdue');
      await db.deleteFrom('incidents').where('id', '=', 'inc-status-1').execute();
      await db.deleteFrom('notification_messages').where('id', '=', 'msg-status-1').execute();
    });

    it('links the demo to its written procedure without a sign-in', async () => {
      const response = await app.inject({ method: 'GET', url: '/procedure' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('Riverside PD after-hours key access procedure');
    });
  });
}
