import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideApproval } from '../approvals/approvals.service.js';
import { issueCabinetToken } from '../cabinets/cabinet-tokens.service.js';
import { addBadge, enrolTotp, setPin } from '../credentials/credentials.service.js';
import { createFactorChecks } from '../credentials/factor-verification.js';
import { SecretBox } from '../credentials/secret-box.js';
import { relyingParty } from '../credentials/webauthn-config.js';
import { fingerprintFactorVerifier } from '../credentials/webauthn-factor.js';
import { SoftAuthenticator } from '../credentials/webauthn-soft-authenticator.testing.js';
import { decodeBase32, totpCode } from '../domain/credentials/totp.js';
import { buildServer } from '../http/server.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext } from '../testing/service-context.js';

const WEDNESDAY_MORNING = '2026-11-25T16:30:00Z'; // 10:30 in Chicago: business hours at Central Station
const FRIDAY_NIGHT = '2026-11-28T03:30:00Z'; // Friday 21:30 in Chicago: after hours

for (const dialect of await testDialects()) {
  describe(`terminal API on ${dialect}`, () => {
    let database: TestDatabase;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let context: ReturnType<typeof newServiceContext>;
    let token = '';
    let otherToken = '';
    const pins: Record<string, string> = {};
    let ruizTotp: Uint8Array = new Uint8Array();

    const post = (url: string, body: unknown, auth = token) =>
      app.inject({
        method: 'POST',
        url,
        payload: body as Record<string, unknown>,
        headers: { authorization: `Bearer ${auth}` },
      });
    const get = (url: string, auth = token) =>
      app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${auth}` } });
    const signIn = (body: unknown) => post('/api/v1/cabinets/central-a/sessions', body);
    const auditTypes = async (type: string) =>
      database.store.db
        .selectFrom('audit_entries')
        .selectAll()
        .where('type', '=', type)
        .orderBy('seq')
        .execute();

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      context = newServiceContext(database.store);
      await context.activatePolicy();
      context.clock.set(WEDNESDAY_MORNING);
      const secrets = new SecretBox({
        path: join(mkdtempSync(join(tmpdir(), 'kw-secrets-')), 'secrets.key'),
      });
      const credentials = { audit: context.audit, now: context.now, secrets };
      await database.store.db.transaction().execute(async (trx) => {
        for (const person of ['p-ruiz', 'p-novak', 'p-chen', 'p-okafor', 'p-haddad']) {
          pins[person] = (await setPin(trx, credentials, person, { random: true })).pin;
        }
        await addBadge(trx, credentials, 'p-ruiz', '0004-51A2');
        await addBadge(trx, credentials, 'p-haddad', 'H-777');
        ruizTotp = decodeBase32((await enrolTotp(trx, credentials, 'p-ruiz')).secret);
        token = (await issueCabinetToken(trx, context, { cabinet: 'central-a', by: 'p-okafor' })).token;
        otherToken = (await issueCabinetToken(trx, context, { cabinet: 'north-a', by: 'p-okafor' })).token;
      });
      const rp = relyingParty({ id: 'localhost', origins: ['http://localhost:8080'] });
      const factors = createFactorChecks({
        ...credentials,
        fingerprintVerifier: (where) =>
          fingerprintFactorVerifier({ audit: context.audit, rp }, { sessionId: where.session ?? undefined }),
      });
      app = await buildServer({
        store: database.store,
        now: context.now,
        terminal: { ...context, factors, rp },
      });
    });

    afterAll(async () => {
      await app.close();
      await database.drop();
    });

    it('refuses requests without a valid cabinet token, or with another cabinet’s', async () => {
      const none = await app.inject({
        method: 'POST',
        url: '/api/v1/cabinets/central-a/sessions',
        payload: { person: 'p-ruiz', factors: [] },
      });
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('cabinet_unauthorized');
      const wrong = await post(
        '/api/v1/cabinets/central-a/sessions',
        { person: 'p-ruiz', factors: [] },
        otherToken,
      );
      expect(wrong.statusCode).toBe(401);
      const forged = await post(
        '/api/v1/cabinets/central-a/sessions',
        { person: 'p-ruiz', factors: [] },
        'kwc_forged',
      );
      expect(forged.statusCode).toBe(401);
    });

    it('signs in by badge (however the reader types it) and PIN, and takes a key in business hours', async () => {
      const response = await signIn({ badge: '451a2', factors: [{ kind: 'pin', value: pins['p-ruiz'] }] });
      expect(response.statusCode).toBe(201);
      const { session } = response.json();
      expect(session).toMatchObject({ person: 'p-ruiz', cabinet: 'central-a', afterHours: false });
      expect(session.personName).toBe('Dana Ruiz'); // the kiosk greets her by name
      expect(session.factors.sort()).toEqual(['badge', 'pin']);

      const keys = (await get(`/api/v1/sessions/${session.id}/keys`)).json().keys;
      const car = keys.find((k: { id: string }) => k.id === 'car-101');
      expect(car.decision.outcome).toBe('allow');
      expect(keys.find((k: { id: string }) => k.id === 'roof-access').decision).toMatchObject({
        outcome: 'deny',
        code: 'no_rule',
      });

      const taken = await post(`/api/v1/sessions/${session.id}/checkouts`, { key: 'car-101' });
      expect(taken.statusCode).toBe(201);
      expect(taken.json().checkout).toMatchObject({ key: 'car-101', slot: 1, afterHours: false });
      const again = await post(`/api/v1/sessions/${session.id}/checkouts`, { key: 'car-102' });
      expect(again.statusCode).toBe(403);
      expect(again.json().error.code).toBe('max_keys_out');

      const returned = await post('/api/v1/cabinets/central-a/returns', { key: 'car-101', slot: 1 });
      expect(returned.statusCode).toBe(200);
      expect(returned.json().checkout).toMatchObject({ status: 'returned', late: false, wrongSlot: false });
      const out = await app.inject({
        method: 'DELETE',
        url: `/api/v1/sessions/${session.id}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(out.statusCode).toBe(204);
      expect((await get(`/api/v1/sessions/${session.id}`)).json().error.code).toBe('session_expired');
    });

    it('answers an unknown person, a wrong PIN and an unknown badge alike, and audits the truth', async () => {
      const unknown = await signIn({ person: 'p-nobody', factors: [{ kind: 'pin', value: '123456' }] });
      const wrongPin = await signIn({ person: 'p-novak', factors: [{ kind: 'pin', value: '000000' }] });
      const unknownBadge = await signIn({ badge: 'FFFF', factors: [{ kind: 'pin', value: '123456' }] });
      for (const response of [unknown, wrongPin, unknownBadge]) {
        expect(response.statusCode).toBe(401);
        expect(response.json()).toEqual(unknown.json());
      }
      const failures = (await auditTypes('session.sign-in-failed')).map(
        (entry) => JSON.parse(entry.data).reason,
      );
      expect(failures).toEqual(expect.arrayContaining(['unknown_person', 'wrong_value', 'unknown_badge']));
      const allAudit = JSON.stringify(
        await database.store.db.selectFrom('audit_entries').select('data').execute(),
      );
      for (const pin of Object.values(pins)) expect(allAudit).not.toContain(pin);
    });

    it('locks a person out after 5 failed factors, answering the same as a wrong PIN', async () => {
      for (let i = 0; i < 5; i++)
        await signIn({ person: 'p-haddad', factors: [{ kind: 'pin', value: '999999' }] });
      const rightPinLocked = await signIn({
        person: 'p-haddad',
        factors: [{ kind: 'pin', value: pins['p-haddad'] }],
      });
      expect(rightPinLocked.statusCode).toBe(401);
      expect(rightPinLocked.json().error.code).toBe('authentication_failed');
      context.clock.advance(5 * 60_000 + 1000);
      const afterLock = await signIn({
        person: 'p-haddad',
        factors: [{ kind: 'pin', value: pins['p-haddad'] }],
      });
      expect(afterLock.statusCode).toBe(201);
      context.clock.set(WEDNESDAY_MORNING);
    });

    it('after hours asks for a second factor and a reason, then allows with an authenticator code', async () => {
      context.clock.set(FRIDAY_NIGHT);
      try {
        const { session } = (
          await signIn({ person: 'p-ruiz', factors: [{ kind: 'pin', value: pins['p-ruiz'] }] })
        ).json();
        expect(session.afterHours).toBe(true);
        const needs = await post(`/api/v1/sessions/${session.id}/checkouts`, {
          key: 'car-102',
          reason: 'vehicle-swap',
        });
        expect(needs.statusCode).toBe(403);
        expect(needs.json().error).toMatchObject({
          code: 'requirements_missing',
          details: { missing: { factors: 1 } },
        });

        const code = await totpCode(ruizTotp, context.now().getTime(), {
          algorithm: 'SHA1',
          digits: 6,
          stepSeconds: 30,
        });
        const added = await post(`/api/v1/sessions/${session.id}/factors`, { kind: 'totp', value: code });
        expect(added.statusCode).toBe(200);
        expect(added.json().session.factors.sort()).toEqual(['pin', 'totp']);
        const replay = await post(`/api/v1/sessions/${session.id}/factors`, { kind: 'totp', value: code });
        expect(replay.statusCode).toBe(401);

        const wrongReason = await post(`/api/v1/sessions/${session.id}/checkouts`, {
          key: 'car-102',
          reason: 'emergency-repair',
        });
        expect(wrongReason.json().error.code).toBe('reason_not_allowed');
        const taken = await post(`/api/v1/sessions/${session.id}/checkouts`, {
          key: 'car-102',
          reason: 'vehicle-swap',
        });
        expect(taken.statusCode).toBe(201);
        expect(taken.json().checkout.afterHours).toBe(true);
        const busy = await signIn({ person: 'p-novak', factors: [{ kind: 'pin', value: pins['p-novak'] }] });
        const busySession = busy.json().session;
        const conflict = await post(`/api/v1/sessions/${busySession.id}/checkouts`, {
          key: 'car-102',
          reason: 'vehicle-swap',
        });
        expect(conflict.statusCode).toBe(409);
        expect(conflict.json().error.code).toBe('key_unavailable');
        expect((await auditTypes('checkout.refused')).length).toBeGreaterThan(0);
        await post('/api/v1/cabinets/central-a/returns', { key: 'car-102', slot: 2 });
      } finally {
        context.clock.set(WEDNESDAY_MORNING);
      }
    });

    it('needs a witness for the armory, and takes one who could take the key', async () => {
      const { session } = (
        await signIn({ person: 'p-chen', factors: [{ kind: 'pin', value: pins['p-chen'] }] })
      ).json();
      // central-b holds the armory: this terminal (central-a) cannot hand it out.
      const elsewhere = await post(`/api/v1/sessions/${session.id}/checkouts`, { key: 'armory-main' });
      expect(elsewhere.json().error.code).toBe('key_not_in_cabinet');
      const selfWitness = await post(`/api/v1/sessions/${session.id}/witness`, {
        person: 'p-chen',
        factors: [{ kind: 'pin', value: pins['p-chen'] }],
      });
      expect(selfWitness.statusCode).toBe(401);
      const witnessed = await post(`/api/v1/sessions/${session.id}/witness`, {
        person: 'p-okafor',
        factors: [{ kind: 'pin', value: pins['p-okafor'] }],
      });
      expect(witnessed.statusCode).toBe(200);
      expect(witnessed.json().session.witness).toBe('p-okafor');
    });

    it('asks the supervisor to approve an after-hours emergency repair, then uses the approval once', async () => {
      context.clock.set(FRIDAY_NIGHT);
      try {
        const signedIn = await signIn({ badge: 'h777', factors: [{ kind: 'pin', value: pins['p-haddad'] }] });
        const { session } = signedIn.json();
        const reason = 'emergency-repair';
        const without = await post(`/api/v1/sessions/${session.id}/checkouts`, {
          key: 'boiler-room',
          reason,
        });
        expect(without.json().error).toMatchObject({
          code: 'requirements_missing',
          details: { missing: { approval: 'supervisor' } },
        });

        const request = await post(`/api/v1/sessions/${session.id}/approvals`, {
          key: 'boiler-room',
          reason,
        });
        expect(request.statusCode).toBe(202);
        const { approval, approvers } = request.json();
        expect(approvers).toEqual(['p-okafor']);
        expect(approval.status).toBe('pending');
        const early = await post(`/api/v1/sessions/${session.id}/checkouts`, {
          key: 'boiler-room',
          reason,
          approval: approval.id,
        });
        expect(early.json().error.code).toBe('approval_not_usable');
        await expect(
          database.store.db
            .transaction()
            .execute((trx) => decideApproval(trx, context, { id: approval.id, by: 'p-chen', approve: true })),
        ).rejects.toThrow(/may not decide/);
        await database.store.db
          .transaction()
          .execute((trx) => decideApproval(trx, context, { id: approval.id, by: 'p-okafor', approve: true }));
        const status = await get(`/api/v1/sessions/${session.id}/approvals/${approval.id}`);
        expect(status.json().approval).toMatchObject({ status: 'approved', decidedBy: 'p-okafor' });

        const taken = await post(`/api/v1/sessions/${session.id}/checkouts`, {
          key: 'boiler-room',
          reason,
          approval: approval.id,
        });
        expect(taken.statusCode).toBe(201);
        const row = await database.store.db
          .selectFrom('checkouts')
          .selectAll()
          .where('id', '=', taken.json().checkout.id)
          .executeTakeFirstOrThrow();
        expect(row.approver_id).toBe('p-okafor');
        await post('/api/v1/cabinets/central-a/returns', { key: 'boiler-room', slot: 10 });
        const twice = await post(`/api/v1/sessions/${session.id}/checkouts`, {
          key: 'boiler-room',
          reason,
          approval: approval.id,
        });
        expect(twice.json().error.code).toBe('approval_not_usable');
      } finally {
        context.clock.set(WEDNESDAY_MORNING);
      }
    });

    it('enrols a fingerprint at the terminal after a two-factor sign-in, then accepts it and refuses a failed finger', async () => {
      const reader = new SoftAuthenticator('http://localhost:8080');
      const weak = (
        await signIn({ person: 'p-ruiz', factors: [{ kind: 'pin', value: pins['p-ruiz'] }] })
      ).json().session;
      const refused = await get(`/api/v1/sessions/${weak.id}/fingerprint-enrolment-options`);
      expect(refused.json().error.code).toBe('requirements_missing');

      const strong = (
        await signIn({ badge: '0004-51A2', factors: [{ kind: 'pin', value: pins['p-ruiz'] }] })
      ).json().session;
      const { options } = (await get(`/api/v1/sessions/${strong.id}/fingerprint-enrolment-options`)).json();
      expect(options.authenticatorSelection.userVerification).toBe('required');
      const enrolled = await post(`/api/v1/sessions/${strong.id}/fingerprints`, {
        registration: reader.register(options),
      });
      expect(enrolled.statusCode).toBe(201);

      const session = (
        await signIn({ person: 'p-ruiz', factors: [{ kind: 'pin', value: pins['p-ruiz'] }] })
      ).json().session;
      const check = (await get(`/api/v1/sessions/${session.id}/fingerprint-options`)).json().options;
      reader.userVerified = false;
      const failedFinger = await post(`/api/v1/sessions/${session.id}/factors`, {
        kind: 'fingerprint',
        assertion: reader.authenticate(check),
      });
      expect(failedFinger.statusCode).toBe(401);
      const noAssertion = await post(`/api/v1/sessions/${session.id}/factors`, {
        kind: 'fingerprint',
        assertion: null,
      });
      expect(noAssertion.statusCode).toBe(401);
      reader.userVerified = true;
      const again = (await get(`/api/v1/sessions/${session.id}/fingerprint-options`)).json().options;
      const finger = await post(`/api/v1/sessions/${session.id}/factors`, {
        kind: 'fingerprint',
        assertion: reader.authenticate(again),
      });
      expect(finger.statusCode).toBe(200);
      expect(finger.json().session.factors.sort()).toEqual(['fingerprint', 'pin']);
      const failures = (await auditTypes('auth.factor-failed')).filter(
        (e) => JSON.parse(e.data).kind === 'fingerprint',
      );
      expect(failures).toHaveLength(2);
    });

    it('ends a session after 60 seconds idle', async () => {
      const { session } = (
        await signIn({ person: 'p-novak', factors: [{ kind: 'pin', value: pins['p-novak'] }] })
      ).json();
      context.clock.advance(61_000);
      const late = await get(`/api/v1/sessions/${session.id}/keys`);
      expect(late.statusCode).toBe(401);
      expect(late.json().error.code).toBe('session_expired');
      context.clock.set(WEDNESDAY_MORNING);
    });

    it('documents the terminal API in OpenAPI', async () => {
      const paths = Object.keys((await app.inject({ method: 'GET', url: '/docs/json' })).json().paths);
      for (const path of [
        '/api/v1/cabinets/{cabinet}/sessions',
        '/api/v1/sessions/{id}/factors',
        '/api/v1/sessions/{id}/fingerprint-options',
        '/api/v1/sessions/{id}/keys',
        '/api/v1/sessions/{id}/witness',
        '/api/v1/sessions/{id}/approvals',
        '/api/v1/sessions/{id}/checkouts',
        '/api/v1/cabinets/{cabinet}/returns',
      ]) {
        expect(paths).toContain(path);
      }
    });
  });
}
