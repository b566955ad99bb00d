/**
 * The console: sign-in with password and authenticator code, the session cookie and its CSRF token, idle
 * and absolute expiry, ending every session of a person, and the role matrix: every route the server
 * registers, called by every console role and by no one, against the table below.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTempKey } from '../audit/audit-log.testing.js';
import { recordCheckout } from '../checkouts/checkouts.service.js';
import { type CredentialTestBed, createCredentialTestBed } from '../credentials/credentials.testing.js';
import { createFactorChecks } from '../credentials/factor-verification.js';
import { relyingParty } from '../credentials/webauthn-config.js';
import type { ConsoleRole } from '../domain/console/console-roles.js';
import { decodeBase32, totpCode } from '../domain/credentials/totp.js';
import { testDialects } from '../store/test-databases.js';
import { buildConsoleServer } from './console-server.testing.js';
import {
  endAllSessionsOf,
  endSessionsOfInactivePeople,
  startConsoleSession,
} from './console-sessions.service.js';
import { createAdmin, grantConsoleRole, setPassword } from './console-users.service.js';

/** Every route as Fastify registers it, collected by an onRoute hook on each instance created. */
const registered = vi.hoisted(() => [] as { method: string; url: string }[]);
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const create = ((options?: Parameters<typeof actual.default>[0]) => {
    const app = actual.default(options);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) registered.push({ method, url: route.url });
    });
    return app;
  }) as typeof actual.default;
  return { ...actual, default: create };
});

type Actor = 'anonymous' | ConsoleRole;
type Outcome = 'allow' | 'deny';
const ACTORS: Actor[] = ['anonymous', 'admin', 'key-manager', 'supervisor', 'auditor'];

type Expectation = Record<Actor, Outcome>;
const everyone = (outcome: Outcome): Expectation =>
  Object.fromEntries(ACTORS.map((actor) => [actor, outcome])) as Expectation;
const PUBLIC = everyone('allow');
/** Cabinet token only: no console session opens the terminal API. */
const CABINET_ONLY = everyone('deny');
const CONSOLE_USERS: Expectation = { ...everyone('allow'), anonymous: 'deny' };
const NOT_SUPERVISOR: Expectation = { ...CONSOLE_USERS, supervisor: 'deny' };
/** Notification settings, webhooks, retries, test messages (src/notifications). */
const ADMIN_ONLY_NOTIFY: Expectation = { ...everyone('deny'), admin: 'allow' };
/** Credential enrolment (people routes): admins and key managers. */
const CREDENTIAL_MANAGERS: Expectation = { ...everyone('deny'), admin: 'allow', 'key-manager': 'allow' };
/** Cabinet terminal tokens: admins only. */
const TOKEN_ADMINS: Expectation = { ...everyone('deny'), admin: 'allow' };

/** Policy versions and approvals: importing is for admins, approving a draft for admins and key managers. */
const POLICY_IMPORTERS: Expectation = { ...everyone('deny'), admin: 'allow' };
const POLICY_APPROVERS: Expectation = { ...everyone('deny'), admin: 'allow', 'key-manager': 'allow' };
/** Deciding approvals: admins and supervisors (their team's), and only when the rule names them. */
const APPROVAL_DECIDERS: Expectation = { ...everyone('deny'), admin: 'allow', supervisor: 'allow' };

/** Editing notification templates: admins only. */
const TEMPLATE_EDITORS: Expectation = { ...everyone('deny'), admin: 'allow' };

/** The expected answer of every route (HEAD follows GET). A route missing here fails the test. */
const MATRIX: Record<string, Expectation> = {
  'GET /api/v1/health': PUBLIC,
  'GET /docs': PUBLIC,
  'GET /docs/': PUBLIC,
  'GET /docs/static/index.html': PUBLIC,
  'GET /docs/static/swagger-initializer.js': PUBLIC,
  'GET /docs/json': PUBLIC,
  'GET /docs/yaml': PUBLIC,
  'GET /docs/static/*': PUBLIC,
  'GET /': PUBLIC,
  'GET /procedure': PUBLIC,
  'GET /api/v1/keys': CONSOLE_USERS,
  'GET /api/v1/keys/:id': CONSOLE_USERS,
  'GET /api/v1/checkouts': CONSOLE_USERS,
  'GET /api/v1/checkouts/:id': CONSOLE_USERS,
  'GET /api/v1/audit-entries': NOT_SUPERVISOR,
  'GET /api/v1/audit-entries/:seq': NOT_SUPERVISOR,
  // The audit chain over HTTP (src/audit/audit-trail.routes.ts).
  'GET /api/v1/audit-verification': NOT_SUPERVISOR,
  'GET /api/v1/audit-export': NOT_SUPERVISOR,
  // The active policy's message-writing rules (src/notifications/notification-rules-list.routes.ts).
  'GET /api/v1/notifications/rules': NOT_SUPERVISOR,
  'GET /api/v1/policy-versions': CONSOLE_USERS,
  'GET /api/v1/policy-versions/:version': CONSOLE_USERS,
  'GET /api/v1/policy-versions/:version/procedure': CONSOLE_USERS,
  'POST /api/v1/console/sessions': PUBLIC,
  'DELETE /api/v1/console/sessions/current': CONSOLE_USERS,
  'GET /api/v1/console/me': CONSOLE_USERS,
  // Console passkeys and API tokens (src/console: passkeys, api-tokens). The passkey challenge for sign-in is
  // public; passkeys are each person's own; API tokens are for admins.
  'POST /api/v1/console/sessions/passkey-options': PUBLIC,
  'GET /api/v1/console/passkeys': CONSOLE_USERS,
  'POST /api/v1/console/passkeys/options': CONSOLE_USERS,
  'POST /api/v1/console/passkeys': CONSOLE_USERS,
  'DELETE /api/v1/console/passkeys/:id': CONSOLE_USERS,
  'GET /api/v1/console/api-tokens': { ...everyone('deny'), admin: 'allow' },
  'POST /api/v1/console/api-tokens': { ...everyone('deny'), admin: 'allow' },
  'DELETE /api/v1/console/api-tokens/:id': { ...everyone('deny'), admin: 'allow' },
  // People, credentials, cabinets and sites. `:id` of a person is p-ruiz, in the supervisor's team.
  'GET /api/v1/people': CONSOLE_USERS,
  'GET /api/v1/people/:id': CONSOLE_USERS,
  'POST /api/v1/people/:id/pin': CREDENTIAL_MANAGERS,
  'POST /api/v1/people/:id/badges': CREDENTIAL_MANAGERS,
  'DELETE /api/v1/people/:id/badges/:credential': CREDENTIAL_MANAGERS,
  'POST /api/v1/people/:id/totp': CREDENTIAL_MANAGERS,
  'DELETE /api/v1/people/:id/totp': CREDENTIAL_MANAGERS,
  'POST /api/v1/people/:id/fingerprint-enrolment-options': CREDENTIAL_MANAGERS,
  'POST /api/v1/people/:id/fingerprints': CREDENTIAL_MANAGERS,
  'DELETE /api/v1/people/:id/fingerprints/:credential': CREDENTIAL_MANAGERS,
  'POST /api/v1/people/:id/unlock': CREDENTIAL_MANAGERS,
  'GET /api/v1/cabinets': CONSOLE_USERS,
  'GET /api/v1/cabinets/:cabinet': CONSOLE_USERS,
  'POST /api/v1/cabinets/:cabinet/tokens': TOKEN_ADMINS,
  'DELETE /api/v1/cabinets/:cabinet/tokens': TOKEN_ADMINS,
  // The console's live slot map (src/cabinets/cabinet-events.routes.ts).
  'GET /api/v1/cabinets/:cabinet/events': CONSOLE_USERS,
  'GET /api/v1/sites': CONSOLE_USERS,
  'GET /api/v1/sites/:site': CONSOLE_USERS,
  'POST /api/v1/cabinets/:cabinet/sessions': CABINET_ONLY,
  'GET /api/v1/sessions/:id': CABINET_ONLY,
  'POST /api/v1/sessions/:id/factors': CABINET_ONLY,
  'GET /api/v1/sessions/:id/fingerprint-options': CABINET_ONLY,
  'GET /api/v1/sessions/:id/fingerprint-enrolment-options': CABINET_ONLY,
  'POST /api/v1/sessions/:id/fingerprints': CABINET_ONLY,
  'GET /api/v1/sessions/:id/keys': CABINET_ONLY,
  'POST /api/v1/sessions/:id/witness': CABINET_ONLY,
  'POST /api/v1/sessions/:id/approvals': CABINET_ONLY,
  'GET /api/v1/sessions/:id/approvals/:approval': CABINET_ONLY,
  'POST /api/v1/sessions/:id/checkouts': CABINET_ONLY,
  // The cabinet protocol's WebSocket (src/cabinets/protocol): a cabinet token, never a console session.
  'GET /api/v1/cabinets/:cabinet/connection': CABINET_ONLY,
  'POST /api/v1/cabinets/:cabinet/returns': CABINET_ONLY,
  'DELETE /api/v1/sessions/:id': CABINET_ONLY,
  // Notification delivery (src/notifications): admins manage, auditors also read the log, all their inbox.
  'GET /api/v1/notifications/settings/smtp': ADMIN_ONLY_NOTIFY,
  'PUT /api/v1/notifications/settings/smtp': ADMIN_ONLY_NOTIFY,
  'GET /api/v1/notifications/settings/sms': ADMIN_ONLY_NOTIFY,
  'PUT /api/v1/notifications/settings/sms': ADMIN_ONLY_NOTIFY,
  'GET /api/v1/notifications/webhooks': ADMIN_ONLY_NOTIFY,
  'POST /api/v1/notifications/webhooks': ADMIN_ONLY_NOTIFY,
  'PATCH /api/v1/notifications/webhooks/:id': ADMIN_ONLY_NOTIFY,
  'DELETE /api/v1/notifications/webhooks/:id': ADMIN_ONLY_NOTIFY,
  'GET /api/v1/notifications/messages': { ...ADMIN_ONLY_NOTIFY, auditor: 'allow' },
  'POST /api/v1/notifications/messages/:id/retry': ADMIN_ONLY_NOTIFY,
  'POST /api/v1/notifications/test': ADMIN_ONLY_NOTIFY,
  'GET /api/v1/inbox': CONSOLE_USERS,
  'POST /api/v1/inbox/:id/read': CONSOLE_USERS,
  'GET /api/v1/inbox/events': CONSOLE_USERS,

  // Policy versions and approvals (src/policy/policy-versions.routes.ts, src/approvals).
  'GET /api/v1/policy-versions/:version/diff': CONSOLE_USERS,
  'POST /api/v1/policy-versions': POLICY_IMPORTERS,
  'POST /api/v1/policy-versions/:version/approve': POLICY_APPROVERS,
  'GET /api/v1/approvals': CONSOLE_USERS,
  'GET /api/v1/approvals/:id': CONSOLE_USERS,
  'POST /api/v1/approvals/:id/decision': APPROVAL_DECIDERS,
  'GET /api/v1/sessions/:id/approvals/:approval/events': CABINET_ONLY,
  'GET /approve/:token': PUBLIC,
  'POST /api/v1/approval-links/:token/decision': PUBLIC,

  // Notification rules, acknowledgements and incidents (src/notifications, src/incidents).
  'GET /api/v1/notifications/templates/:rule/:channel': NOT_SUPERVISOR,
  'PUT /api/v1/notifications/templates/:rule/:channel': TEMPLATE_EDITORS,
  'DELETE /api/v1/notifications/templates/:rule/:channel': TEMPLATE_EDITORS,
  'POST /api/v1/notifications/templates/:rule/:channel/preview': NOT_SUPERVISOR,
  'POST /api/v1/notifications/events/:event/acknowledge': { ...CONSOLE_USERS, auditor: 'deny' },
  'GET /ack/:token': PUBLIC,
  'POST /api/v1/acknowledgements/:token': PUBLIC,
  'GET /api/v1/incidents': CONSOLE_USERS,
  'GET /api/v1/incidents/:id': CONSOLE_USERS,
  'POST /api/v1/incidents/:id/notes': { ...CONSOLE_USERS, auditor: 'deny' },
  'POST /api/v1/incidents/:id/assign': { ...CONSOLE_USERS, auditor: 'deny' },
  'POST /api/v1/incidents/:id/close': { ...CONSOLE_USERS, auditor: 'deny' },

  // The web app (src/web): pages and bundles are public; the kiosk's status needs the cabinet token; the
  // demo's routes (serve --demo only) answer on loopback, as app.inject is.
  'GET /kiosk': PUBLIC,
  'GET /kiosk/:cabinet': PUBLIC,
  'GET /kiosk/:cabinet/simulator': PUBLIC,
  'GET /console': PUBLIC,
  'GET /console/*': PUBLIC,
  'GET /assets/*': PUBLIC,
  'GET /api/v1/cabinets/:cabinet/status': CABINET_ONLY,
  // The cabinet simulator page: the fobs it starts with (cabinet token only).
  'GET /api/v1/cabinets/:cabinet/slots': CABINET_ONLY,
  // The kiosk's confirmations stream (cabinet token only).
  'GET /api/v1/cabinets/:cabinet/terminal-events': CABINET_ONLY,
  'GET /api/v1/demo/kiosk-tokens/:cabinet': PUBLIC,
  'GET /api/v1/demo/hints': PUBLIC,
};

const MEMBERS: Record<ConsoleRole, string> = {
  admin: 'p-okafor',
  'key-manager': 'p-berg',
  supervisor: 'p-chen',
  auditor: 'p-haddad',
};

const DENIAL_CODES = ['console_unauthorized', 'forbidden', 'cabinet_unauthorized'];
const GOOD_PASSWORD = 'violet kettle under 9 ferns';

/** A built web app of one page and one bundle, for the web routes to serve. */
function webRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'keywarden-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Keywarden</title>');
  writeFileSync(join(root, 'assets', 'index.html'), '<!doctype html>');
  return root;
}

function cookieOf(setCookie: string | string[] | undefined): string {
  const header = [setCookie ?? ''].flat()[0] ?? '';
  return header.split(';')[0] ?? '';
}

for (const dialect of await testDialects()) {
  describe(`console on ${dialect}`, () => {
    let bed: CredentialTestBed;
    let app: FastifyInstance;
    let adminSeed: Uint8Array;
    let bergSeed: Uint8Array;
    const checkouts: Record<string, string> = {};

    const session = async (person: string) => {
      const opened = await startConsoleSession(bed.db, person, bed.clock.now());
      return { cookie: `kw_session=${opened.token}`, csrf: opened.csrfToken, id: opened.session.id };
    };
    const code = async (seed: Uint8Array) => {
      bed.clock.advance(31_000); // each code works once: a later time step for each sign-in
      return totpCode(seed, bed.clock.now().getTime(), { algorithm: 'SHA1', digits: 6, stepSeconds: 30 });
    };
    const signIn = (body: Record<string, string>, host = 'localhost') =>
      app.inject({ method: 'POST', url: '/api/v1/console/sessions', payload: body, headers: { host } });
    const me = (cookie: string) =>
      app.inject({ method: 'GET', url: '/api/v1/console/me', headers: { cookie } });

    beforeAll(async () => {
      registered.length = 0;
      bed = await createCredentialTestBed(dialect);
      const { context } = bed;
      await bed.db.transaction().execute(async (trx) => {
        const admin = await createAdmin(trx, context, 'p-okafor', GOOD_PASSWORD, { by: 'cli' });
        adminSeed = decodeBase32(new URL(admin.totpUri as string).searchParams.get('secret') as string);
        for (const role of ['key-manager', 'supervisor', 'auditor'] as const) {
          await grantConsoleRole(trx, context, MEMBERS[role], role, { by: 'p-okafor' });
        }
        await setPassword(trx, context, 'p-berg', 'orchard lantern pebble 42', { by: 'p-okafor' });
        const { enrolTotp } = await import('../credentials/credentials.service.js');
        bergSeed = decodeBase32((await enrolTotp(trx, context, 'p-berg')).secret);
      });
      for (const [person, key] of [
        ['p-ruiz', 'car-101'],
        ['p-haddad', 'boiler-room'],
      ] as const) {
        const outcome = await bed.db
          .transaction()
          .execute((trx) =>
            recordCheckout(trx, context, { person, key, factors: ['pin', 'badge'], reason: null }),
          );
        checkouts[person] = (outcome as { checkout: { id: string } }).checkout.id;
      }
      const factors = createFactorChecks(context);
      const rp = relyingParty({ id: 'localhost', origins: ['http://localhost:8080'] });
      app = await buildConsoleServer({
        store: bed.database.store,
        now: context.now,
        terminal: { ...context, factors, rp },
        console: context,
        consoleManagement: { ...context, rp },
        notifications: context,
        approvals: context,
        cabinets: context,
        auditTrail: { ...context, auditKey: createTempKey().key },
        web: { root: webRoot() },
        demo: {
          kioskTokens: new Map([['central-a', 'kwc_demo']]),
          officer: { person: 'p-ruiz', name: 'Dana Ruiz', badge: '4512093', pin: '482913' },
          consoleUsers: [],
        },
      });
      await app.ready();
    });

    afterAll(async () => {
      await app.close();
      await bed.drop();
    });

    it('signs in with password and authenticator code, and sets a HttpOnly SameSite=Strict cookie', async () => {
      const response = await signIn({
        person: 'p-okafor',
        password: GOOD_PASSWORD,
        totp: await code(adminSeed),
      });
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body.user).toMatchObject({ person: 'p-okafor', roles: ['admin'] });
      expect(body.csrfToken).toMatch(/^[\w-]{40,}$/);
      const setCookie = String(response.headers['set-cookie']);
      expect(setCookie).toMatch(/^kw_session=kws_[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
      expect((await me(cookieOf(response.headers['set-cookie']))).json().user.person).toBe('p-okafor');
      const rows = await bed.db.selectFrom('console_sessions').select('id').execute();
      expect(rows.map((row) => row.id)).not.toContain(cookieOf(setCookie).slice('kw_session='.length));
    });

    it('marks the cookie Secure unless the request is plain http to localhost', async () => {
      const response = await signIn(
        { person: 'p-okafor', password: GOOD_PASSWORD, totp: await code(adminSeed) },
        'keys.riverside.example',
      );
      expect(response.statusCode).toBe(201);
      expect(String(response.headers['set-cookie'])).toContain('; HttpOnly; SameSite=Strict; Secure;');
    });

    it('answers a wrong password, a wrong code, an unknown person and a person without a role alike', async () => {
      const attempts = [
        { person: 'p-okafor', password: 'not the password at all', totp: await code(adminSeed) },
        { person: 'p-okafor', password: GOOD_PASSWORD, totp: '000000' },
        { person: 'p-nobody', password: GOOD_PASSWORD, totp: '123456' },
        { person: 'p-ruiz', password: GOOD_PASSWORD, totp: '123456' },
      ];
      const answers = [];
      for (const attempt of attempts) answers.push(await signIn(attempt));
      for (const answer of answers) {
        expect(answer.statusCode).toBe(401);
        expect(answer.headers['set-cookie']).toBeUndefined();
        expect(answer.json()).toEqual(answers[0]?.json());
      }
      expect(answers[0]?.json().error.code).toBe('authentication_failed');
      const failures = await bed.db
        .selectFrom('audit_entries')
        .select('data')
        .where('type', '=', 'console.sign-in-failed')
        .orderBy('seq')
        .execute();
      expect(failures.slice(-4).map((row) => JSON.parse(row.data).reason)).toEqual([
        'wrong_password',
        'totp_wrong_value',
        'unknown_person',
        'no_console_role',
      ]);
      const text = JSON.stringify(await bed.db.selectFrom('audit_entries').selectAll().execute());
      expect(text).not.toContain(GOOD_PASSWORD);
      expect(text).not.toContain('not the password at all');
    });

    it('locks a person out after 5 failures: then even the right password and code fail', async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const wrong = await signIn({
          person: 'p-berg',
          password: `wrong password ${attempt}!`,
          totp: '000000',
        });
        expect(wrong.statusCode).toBe(401);
      }
      const right = await signIn({
        person: 'p-berg',
        password: 'orchard lantern pebble 42',
        totp: await code(bergSeed),
      });
      expect(right.statusCode).toBe(401);
      expect(right.json().error.code).toBe('authentication_failed');
      const locked = await bed.db
        .selectFrom('audit_entries')
        .select('person_id')
        .where('type', '=', 'auth.locked-out')
        .execute();
      expect(locked.map((row) => row.person_id)).toContain('p-berg');
      bed.clock.advance(5 * 60_000);
      const later = await signIn({
        person: 'p-berg',
        password: 'orchard lantern pebble 42',
        totp: await code(bergSeed),
      });
      expect(later.statusCode).toBe(201);
    });

    it('requires the CSRF token to sign out, and ends the session when given', async () => {
      const { cookie, csrf } = await session('p-okafor');
      const signOut = (headers: Record<string, string>) =>
        app.inject({
          method: 'DELETE',
          url: '/api/v1/console/sessions/current',
          headers: { cookie, ...headers },
        });
      const without = await signOut({});
      expect(without.statusCode).toBe(403);
      expect(without.json().error.code).toBe('forbidden');
      expect((await signOut({ 'x-csrf-token': 'forged' })).statusCode).toBe(403);
      const done = await signOut({ 'x-csrf-token': csrf });
      expect(done.statusCode).toBe(204);
      expect(String(done.headers['set-cookie'])).toContain('Max-Age=0');
      expect((await me(cookie)).statusCode).toBe(401);
    });

    it('ends a session after 30 minutes idle, not while it is used', async () => {
      const { cookie, id } = await session('p-okafor');
      for (let step = 0; step < 3; step++) {
        bed.clock.advance(29 * 60_000);
        expect((await me(cookie)).statusCode).toBe(200);
      }
      bed.clock.advance(30 * 60_000);
      const idle = await me(cookie);
      expect(idle.statusCode).toBe(401);
      expect(idle.json().error.code).toBe('console_unauthorized');
      const row = await bed.db
        .selectFrom('console_sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      expect(row?.end_reason).toBe('idle');
    });

    it('ends a session 12 hours after sign-in however busy', async () => {
      const { cookie, id } = await session('p-okafor');
      const start = bed.clock.now().getTime();
      while (bed.clock.now().getTime() < start + 12 * 60 * 60_000 - 25 * 60_000) {
        bed.clock.advance(25 * 60_000);
        expect((await me(cookie)).statusCode).toBe(200);
      }
      bed.clock.set(new Date(start + 12 * 60 * 60_000).toISOString());
      expect((await me(cookie)).statusCode).toBe(401);
      const row = await bed.db
        .selectFrom('console_sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      expect(row?.end_reason).toBe('expired');
    });

    it('walks every endpoint with every role and no one, against the access table', async () => {
      const seen = new Set<string>();
      const failures: string[] = [];
      for (const route of registered) {
        if (route.method === 'OPTIONS') continue;
        const key = `${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`;
        const expected = MATRIX[key];
        if (!expected) {
          failures.push(`${route.method} ${route.url} has no line in the role matrix`);
          continue;
        }
        seen.add(key);
        const url = route.url
          .replace(':cabinet', 'central-a')
          .replace(':seq', '1')
          .replace(':version', '1')
          .replace(':approval', 'a-1')
          .replace(':credential', 'c-1')
          .replace(':site', 'central')
          .replace(
            ':id',
            route.url.startsWith('/api/v1/checkouts')
              ? (checkouts['p-ruiz'] as string)
              : route.url.startsWith('/api/v1/people/')
                ? 'p-ruiz'
                : 'x-1',
          )
          .replace('*', 'index.html');
        for (const actor of ACTORS) {
          const headers: Record<string, string> = {};
          if (actor !== 'anonymous') {
            const { cookie, csrf } = await session(MEMBERS[actor]);
            headers.cookie = cookie;
            headers['x-csrf-token'] = csrf;
          }
          const response = await app.inject({
            method: route.method as 'GET',
            url,
            headers,
            ...(route.method === 'POST' ? { payload: {} } : {}),
          });
          // A HEAD answer has no body: its status says it.
          const denied =
            (response.statusCode === 401 || response.statusCode === 403) &&
            (route.method === 'HEAD' || DENIAL_CODES.includes(response.json().error?.code));
          if ((denied ? 'deny' : 'allow') !== expected[actor]) {
            failures.push(
              `${route.method} ${url} as ${actor}: ${response.statusCode}, expected ${expected[actor]}`,
            );
          }
        }
      }
      expect(failures).toEqual([]);
      expect([...seen].sort()).toEqual(Object.keys(MATRIX).sort());
      // No route at all: the not-found handler answers, as before.
      expect((await app.inject({ method: 'GET', url: '/api/v1/no-such-thing' })).statusCode).toBe(404);
    });

    it('shows a supervisor the checkouts of their team only', async () => {
      const { cookie } = await session('p-chen');
      const list = await app.inject({ method: 'GET', url: '/api/v1/checkouts', headers: { cookie } });
      expect(list.statusCode).toBe(200);
      expect(list.json().checkouts.map((c: { person: string }) => c.person)).toEqual(['p-ruiz']);
      const admin = await session('p-okafor');
      const all = await app.inject({
        method: 'GET',
        url: '/api/v1/checkouts',
        headers: { cookie: admin.cookie },
      });
      expect(
        all
          .json()
          .checkouts.map((c: { person: string }) => c.person)
          .sort(),
      ).toEqual(['p-haddad', 'p-ruiz']);
      const other = await app.inject({
        method: 'GET',
        url: '/api/v1/checkouts?person=p-haddad',
        headers: { cookie },
      });
      expect(other.statusCode).toBe(403);
      const one = await app.inject({
        method: 'GET',
        url: `/api/v1/checkouts/${checkouts['p-haddad']}`,
        headers: { cookie },
      });
      expect(one.statusCode).toBe(403);
      const own = await app.inject({
        method: 'GET',
        url: `/api/v1/checkouts/${checkouts['p-ruiz']}`,
        headers: { cookie },
      });
      expect(own.statusCode).toBe(200);
    });

    it('ends every session of a person at once when they are deactivated', async () => {
      await bed.db.transaction().execute((trx) => grantConsoleRole(trx, bed.context, 'p-novak', 'auditor'));
      const first = await session('p-novak');
      const second = await session('p-novak');
      expect((await me(first.cookie)).statusCode).toBe(200);
      await bed.db.updateTable('people').set({ active: 0 }).where('id', '=', 'p-novak').execute();
      const ended = await bed.db
        .transaction()
        .execute((trx) => endSessionsOfInactivePeople(trx, bed.context, { by: 'p-okafor' }));
      expect(ended).toBe(2);
      for (const { cookie } of [first, second]) expect((await me(cookie)).statusCode).toBe(401);
      const rows = await bed.db
        .selectFrom('console_sessions')
        .select('end_reason')
        .where('person_id', '=', 'p-novak')
        .execute();
      expect(rows.map((row) => row.end_reason)).toEqual(['person-deactivated', 'person-deactivated']);
      const again = await bed.db
        .transaction()
        .execute((trx) => endAllSessionsOf(trx, bed.context, 'p-novak', 'person-deactivated'));
      expect(again).toBe(0);
    });
  });
}
