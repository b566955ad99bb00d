/**
 * Console passkeys over HTTP on a real database: enrolment by a signed-in person, sign-in with password and
 * passkey, the challenge that answers alike for everyone, failures that answer like any sign-in failure and
 * count towards the lockout, removal. The authenticator is the software one used for fingerprints.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditRows,
  type CredentialTestBed,
  createCredentialTestBed,
} from '../credentials/credentials.testing.js';
import { relyingParty } from '../credentials/webauthn-config.js';
import { SoftAuthenticator } from '../credentials/webauthn-soft-authenticator.testing.js';
import { testDialects } from '../store/test-databases.js';
import { buildConsoleServer } from './console-server.testing.js';
import { startConsoleSession } from './console-sessions.service.js';
import { createAdmin, grantConsoleRole, setPassword } from './console-users.service.js';

const ORIGIN = 'http://localhost:8080';
const ADMIN_PASSWORD = 'violet kettle under 9 ferns';
const BERG_PASSWORD = 'orchard lantern pebble 42';

for (const dialect of await testDialects()) {
  describe(`console passkeys on ${dialect}`, () => {
    let bed: CredentialTestBed;
    let app: FastifyInstance;

    const session = async (person: string) => {
      const opened = await startConsoleSession(bed.db, person, bed.clock.now());
      return { cookie: `kw_session=${opened.token}`, 'x-csrf-token': opened.csrfToken };
    };
    const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url, payload: payload as object, headers });

    /** Enrols a passkey on `authenticator` for `person` through the API; returns the stored passkey. */
    const enrol = async (person: string, authenticator: SoftAuthenticator, label = 'laptop') => {
      const headers = await session(person);
      const started = await post('/api/v1/console/passkeys/options', {}, headers);
      expect(started.statusCode).toBe(200);
      const response = authenticator.register(started.json().options);
      const finished = await post('/api/v1/console/passkeys', { response, label }, headers);
      expect(finished.statusCode).toBe(201);
      return finished.json().passkey as { id: string; credentialId: string };
    };

    /** A passkey assertion for a fresh sign-in challenge. */
    const assertion = async (
      person: string,
      authenticator: SoftAuthenticator,
      credentialId: string,
      overrides: Parameters<SoftAuthenticator['authenticate']>[1] = {},
    ) => {
      const options = await post('/api/v1/console/sessions/passkey-options', { person });
      expect(options.statusCode).toBe(200);
      return authenticator.authenticate(options.json().options, { credentialId, ...overrides });
    };

    const signIn = (body: Record<string, unknown>) => post('/api/v1/console/sessions', body);
    const lastFailure = async () => (await auditRows(bed.db, ['console.sign-in-failed'])).at(-1)?.data.reason;

    beforeAll(async () => {
      bed = await createCredentialTestBed(dialect);
      await bed.db.transaction().execute(async (trx) => {
        await createAdmin(trx, bed.context, 'p-okafor', ADMIN_PASSWORD, { by: 'cli' });
        await grantConsoleRole(trx, bed.context, 'p-berg', 'key-manager', { by: 'p-okafor' });
        await setPassword(trx, bed.context, 'p-berg', BERG_PASSWORD, { by: 'p-okafor' });
      });
      const rp = relyingParty({ id: 'localhost', origins: [ORIGIN], attachment: 'any' });
      app = await buildConsoleServer({
        store: bed.database.store,
        now: bed.context.now,
        console: { ...bed.context, rp },
      });
      await app.ready();
    });

    afterAll(async () => {
      await app.close();
      await bed.drop();
    });

    it('enrols a passkey for the signed-in person: UV and a discoverable credential required, audited', async () => {
      const headers = await session('p-okafor');
      const started = await post('/api/v1/console/passkeys/options', {}, headers);
      expect(started.statusCode).toBe(200);
      const options = started.json().options;
      expect(options.authenticatorSelection).toMatchObject({
        userVerification: 'required',
        residentKey: 'required',
      });
      expect(options.rp.id).toBe('localhost');
      const authenticator = new SoftAuthenticator(ORIGIN);
      const finished = await post(
        '/api/v1/console/passkeys',
        { response: authenticator.register(options), label: 'office laptop' },
        headers,
      );
      expect(finished.statusCode).toBe(201);
      const passkey = finished.json().passkey;
      expect(passkey).toMatchObject({ label: 'office laptop', lastUsedAt: null });

      const list = await app.inject({ method: 'GET', url: '/api/v1/console/passkeys', headers });
      expect(list.json().passkeys.map((p: { id: string }) => p.id)).toEqual([passkey.id]);
      const row = await bed.db
        .selectFrom('credentials')
        .select(['kind', 'secret'])
        .where('id', '=', passkey.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ kind: 'passkey', secret: null });
      const [enrolled] = await auditRows(bed.db, ['credential.passkey-enrolled']);
      expect(enrolled).toMatchObject({ actor: 'p-okafor', person: 'p-okafor' });
      expect(enrolled?.data.credentialId).toBe(passkey.credentialId);
    });

    it('refuses an enrolment answered without user verification, or with a challenge of another session', async () => {
      const authenticator = new SoftAuthenticator(ORIGIN);
      const first = await session('p-berg');
      const options = (await post('/api/v1/console/passkeys/options', {}, first)).json().options;
      const unverified = await post(
        '/api/v1/console/passkeys',
        { response: authenticator.register(options, { userVerified: false }) },
        first,
      );
      expect(unverified.statusCode).toBe(400);
      expect(unverified.json().error).toMatchObject({
        code: 'invalid_request',
        details: { reason: 'not_verified' },
      });

      const again = (await post('/api/v1/console/passkeys/options', {}, first)).json().options;
      const other = await session('p-berg');
      const elsewhere = await post(
        '/api/v1/console/passkeys',
        { response: authenticator.register(again) },
        other,
      );
      expect(elsewhere.json().error.details.reason).toBe('unknown_challenge');
      expect(
        await bed.db
          .selectFrom('credentials')
          .select('id')
          .where('kind', '=', 'passkey')
          .where('person_id', '=', 'p-berg')
          .execute(),
      ).toEqual([]);
    });

    it('signs in with password and passkey, and marks the passkey used', async () => {
      const authenticator = new SoftAuthenticator(ORIGIN);
      const passkey = await enrol('p-berg', authenticator);
      const response = await signIn({
        person: 'p-berg',
        password: BERG_PASSWORD,
        passkey: await assertion('p-berg', authenticator, passkey.credentialId),
      });
      expect(response.statusCode).toBe(201);
      expect(response.json().user).toMatchObject({ person: 'p-berg', roles: ['key-manager'] });
      expect(String(response.headers['set-cookie'])).toMatch(/^kw_session=kws_/);
      const succeeded = (await auditRows(bed.db, ['auth.factor-succeeded'])).at(-1);
      expect(succeeded?.data).toMatchObject({ kind: 'passkey', credential: passkey.id, where: 'console' });
      const row = await bed.db
        .selectFrom('credentials')
        .select(['last_used_at', 'counter'])
        .where('id', '=', passkey.id)
        .executeTakeFirstOrThrow();
      expect(row.last_used_at).toBe(bed.clock.now().toISOString());
      expect(row.counter).toBe(1);
    });

    it('gives the same challenge shape to a known person with passkeys, one without, and an unknown id', async () => {
      const answers = [];
      for (const person of ['p-berg', 'p-okafor-no-such', 'p-ruiz']) {
        answers.push(await post('/api/v1/console/sessions/passkey-options', { person }));
      }
      const shape = (options: Record<string, unknown>) => ({ ...options, challenge: '*' });
      for (const answer of answers) {
        expect(answer.statusCode).toBe(200);
        expect(answer.headers['cache-control']).toBe('no-store');
        expect(shape(answer.json().options)).toEqual(shape(answers[0]?.json().options));
      }
      expect(answers[0]?.json().options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
      expect(answers[0]?.json().options.allowCredentials ?? []).toEqual([]);
    });

    it('answers every passkey failure like any sign-in failure and audits the true reason', async () => {
      const authenticator = new SoftAuthenticator(ORIGIN);
      const passkey = await enrol('p-okafor', authenticator, 'second key');
      const wrongCode = await signIn({ person: 'p-okafor', password: ADMIN_PASSWORD, totp: '000000' });
      const cases: [string, () => Promise<Record<string, unknown>>][] = [
        [
          'passkey_not_verified',
          async () => ({
            passkey: await assertion('p-okafor', authenticator, passkey.credentialId, {
              userVerified: false,
            }),
          }),
        ],
        [
          'passkey_wrong_origin',
          async () => ({
            passkey: await assertion('p-okafor', authenticator, passkey.credentialId, {
              origin: 'http://localhost:9999',
            }),
          }),
        ],
        [
          'passkey_unknown_challenge',
          async () => ({
            passkey: authenticator.authenticate({ challenge: 'bm90LWlzc3VlZA', rpId: 'localhost' } as never, {
              credentialId: passkey.credentialId,
            }),
          }),
        ],
        ['passkey_malformed', async () => ({ passkey: { id: 'x' } })],
      ];
      for (const [reason, body] of cases) {
        const answer = await signIn({ person: 'p-okafor', password: ADMIN_PASSWORD, ...(await body()) });
        expect(answer.statusCode).toBe(401);
        expect(answer.json()).toEqual(wrongCode.json());
        expect(await lastFailure()).toBe(reason);
      }
      // Five failures in a row locked the account for 5 minutes: wait that out.
      bed.clock.advance(5 * 60_000);
      // A replayed assertion: the first use signs in, the second is refused.
      const once = await assertion('p-okafor', authenticator, passkey.credentialId);
      expect((await signIn({ person: 'p-okafor', password: ADMIN_PASSWORD, passkey: once })).statusCode).toBe(
        201,
      );
      expect((await signIn({ person: 'p-okafor', password: ADMIN_PASSWORD, passkey: once })).statusCode).toBe(
        401,
      );
      expect(await lastFailure()).toBe('passkey_replayed_challenge');
      // Someone else's passkey for this person's challenge.
      const bergKey = new SoftAuthenticator(ORIGIN);
      const bergPasskey = await enrol('p-berg', bergKey, 'berg');
      const stolen = await assertion('p-okafor', bergKey, bergPasskey.credentialId);
      expect(
        (await signIn({ person: 'p-okafor', password: ADMIN_PASSWORD, passkey: stolen })).statusCode,
      ).toBe(401);
      expect(await lastFailure()).toBe('passkey_unknown_credential');
      const failed = (await auditRows(bed.db, ['auth.factor-failed'])).filter(
        (row) => row.data.kind === 'passkey',
      );
      expect(failed.at(-1)?.data).toMatchObject({
        reason: 'wrong_value',
        detail: 'unknown_credential',
        where: 'console',
      });
    });

    it('refuses a body with both or neither second factor', async () => {
      const both = await signIn({
        person: 'p-okafor',
        password: ADMIN_PASSWORD,
        totp: '123456',
        passkey: {},
      });
      const neither = await signIn({ person: 'p-okafor', password: ADMIN_PASSWORD });
      for (const answer of [both, neither]) {
        expect(answer.statusCode).toBe(400);
        expect(answer.json().error.code).toBe('invalid_request');
      }
    });

    it('counts passkey failures towards the lockout: then even a good passkey fails', async () => {
      bed.clock.advance(60 * 60_000);
      await bed.db.transaction().execute((trx) => grantConsoleRole(trx, bed.context, 'p-haddad', 'auditor'));
      await bed.db
        .transaction()
        .execute((trx) =>
          setPassword(trx, bed.context, 'p-haddad', 'granite meadow copper 77', { by: 'p-okafor' }),
        );
      const authenticator = new SoftAuthenticator(ORIGIN);
      const passkey = await enrol('p-haddad', authenticator);
      for (let attempt = 0; attempt < 5; attempt++) {
        const bad = await assertion('p-haddad', authenticator, passkey.credentialId, { userVerified: false });
        const answer = await signIn({
          person: 'p-haddad',
          password: 'granite meadow copper 77',
          passkey: bad,
        });
        expect(answer.statusCode).toBe(401);
      }
      const locked = await auditRows(bed.db, ['auth.locked-out']);
      expect(locked.at(-1)).toMatchObject({ person: 'p-haddad' });
      const good = await assertion('p-haddad', authenticator, passkey.credentialId);
      const answer = await signIn({
        person: 'p-haddad',
        password: 'granite meadow copper 77',
        passkey: good,
      });
      expect(answer.statusCode).toBe(401);
      expect(await lastFailure()).toBe('locked_out');
    });

    it('removes a passkey: then it signs in no more; another person cannot remove it', async () => {
      const authenticator = new SoftAuthenticator(ORIGIN);
      const passkey = await enrol('p-berg', authenticator, 'old phone');
      const other = await session('p-okafor');
      const notYours = await app.inject({
        method: 'DELETE',
        url: `/api/v1/console/passkeys/${passkey.id}`,
        headers: other,
      });
      expect(notYours.statusCode).toBe(404);
      const own = await session('p-berg');
      const removed = await app.inject({
        method: 'DELETE',
        url: `/api/v1/console/passkeys/${passkey.id}`,
        headers: own,
      });
      expect(removed.statusCode).toBe(204);
      const [revoked] = (await auditRows(bed.db, ['credential.passkey-revoked'])).slice(-1);
      expect(revoked?.data.credential).toBe(passkey.id);
      const list = await app.inject({ method: 'GET', url: '/api/v1/console/passkeys', headers: own });
      expect(list.json().passkeys.map((p: { id: string }) => p.id)).not.toContain(passkey.id);
      const late = await assertion('p-berg', authenticator, passkey.credentialId);
      expect((await signIn({ person: 'p-berg', password: BERG_PASSWORD, passkey: late })).statusCode).toBe(
        401,
      );
      expect(await lastFailure()).toBe('passkey_revoked_credential');
    });
  });
}
