import type { Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext } from '../testing/service-context.js';
import {
  CHALLENGE_TTL_MS,
  type FingerprintCheckResult,
  failFingerprintCheck,
  finishFingerprintEnrolment,
  listFingerprints,
  revokeFingerprint,
  startFingerprintCheck,
  startFingerprintEnrolment,
  verifyFingerprint,
  type WebauthnContext,
} from './webauthn.service.js';
import { relyingParty } from './webauthn-config.js';
import { fingerprintFactorVerifier } from './webauthn-factor.js';
import { type CeremonyOverrides, SoftAuthenticator } from './webauthn-soft-authenticator.testing.js';

const ORIGIN = 'http://localhost:8080';

for (const dialect of await testDialects()) {
  describe(`fingerprints (WebAuthn) on ${dialect}`, () => {
    let database: TestDatabase;
    let service: ReturnType<typeof newServiceContext>;
    let context: WebauthnContext;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      service = newServiceContext(database.store);
      await service.activatePolicy();
      context = {
        audit: service.audit,
        now: service.now,
        rp: relyingParty({ id: 'localhost', origins: [ORIGIN] }),
      };
    });

    afterAll(async () => {
      await database.drop();
    });

    const inTransaction = <T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> =>
      database.store.db.transaction().execute(work);

    async function enrol(
      person: string,
      authenticator: SoftAuthenticator,
      options: { sessionId?: string; label?: string; overrides?: CeremonyOverrides } = {},
    ) {
      const creation = await startFingerprintEnrolment(database.store.db, context, person, {
        sessionId: options.sessionId,
      });
      const response = authenticator.register(creation, options.overrides);
      const fingerprint = await inTransaction((trx) =>
        finishFingerprintEnrolment(trx, context, person, response, {
          sessionId: options.sessionId,
          label: options.label,
        }),
      );
      return { creation, response, fingerprint };
    }

    async function check(
      person: string,
      authenticator: SoftAuthenticator,
      options: { sessionId?: string; answerSessionId?: string; overrides?: CeremonyOverrides } = {},
    ): Promise<FingerprintCheckResult> {
      const request = await startFingerprintCheck(database.store.db, context, person, {
        sessionId: options.sessionId,
      });
      const assertion = authenticator.authenticate(request, options.overrides);
      return inTransaction((trx) =>
        verifyFingerprint(trx, context, person, assertion, {
          sessionId: options.answerSessionId ?? options.sessionId,
        }),
      );
    }

    async function credentialRow(credentialId: string) {
      return database.store.db
        .selectFrom('credentials')
        .selectAll()
        .where('lookup', '=', credentialId)
        .executeTakeFirstOrThrow();
    }

    it('enrols a fingerprint with user verification required on a platform authenticator', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      const { creation, fingerprint } = await enrol('p-ruiz', finger, { label: 'Right index' });
      expect(creation.authenticatorSelection).toMatchObject({
        authenticatorAttachment: 'platform',
        residentKey: 'preferred',
        userVerification: 'required',
      });
      expect(creation.rp).toEqual({ id: 'localhost', name: 'Keywarden' });
      expect(creation.user.name).toBe('p-ruiz');
      expect(creation.excludeCredentials).toEqual([]);
      expect(fingerprint).toMatchObject({ label: 'Right index', transports: ['internal'], revokedAt: null });

      const row = await credentialRow(fingerprint.credentialId);
      expect(row).toMatchObject({ person_id: 'p-ruiz', kind: 'fingerprint', secret: null, counter: 0 });
      const challenge = await database.store.db
        .selectFrom('webauthn_challenges')
        .selectAll()
        .where('challenge', '=', creation.challenge)
        .executeTakeFirstOrThrow();
      expect(challenge.purpose).toBe('register');
      expect(challenge.used_at).not.toBeNull();
      expect(Date.parse(challenge.expires_at) - Date.parse(challenge.created_at)).toBe(CHALLENGE_TTL_MS);

      const entry = await database.store.db
        .selectFrom('audit_entries')
        .selectAll()
        .where('type', '=', 'credential.fingerprint-enrolled')
        .where('person_id', '=', 'p-ruiz')
        .executeTakeFirstOrThrow();
      const data = JSON.parse(entry.data);
      expect(data.credentialId).toBe(fingerprint.credentialId);
      expect(data).not.toHaveProperty('publicKey');
      expect(entry.data).not.toContain(JSON.parse(row.data as string).publicKey);

      // The next enrolment excludes the fingerprint already there.
      const again = await startFingerprintEnrolment(database.store.db, context, 'p-ruiz');
      expect(again.excludeCredentials?.map((c) => c.id)).toEqual([fingerprint.credentialId]);
    });

    it('accepts a recognised finger and moves the signature counter forward', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      const { fingerprint } = await enrol('p-novak', finger);
      const request = await startFingerprintCheck(database.store.db, context, 'p-novak');
      expect(request.userVerification).toBe('required');
      expect(request.allowCredentials?.map((c) => c.id)).toEqual([fingerprint.credentialId]);
      const assertion = finger.authenticate(request);
      const result = await inTransaction((trx) => verifyFingerprint(trx, context, 'p-novak', assertion));
      expect(result).toEqual({ ok: true, credentialId: fingerprint.credentialId });
      expect(await credentialRow(fingerprint.credentialId)).toMatchObject({
        counter: 1,
        last_used_at: service.now().toISOString(),
      });
      expect(await check('p-novak', finger)).toEqual({ ok: true, credentialId: fingerprint.credentialId });
      expect((await credentialRow(fingerprint.credentialId)).counter).toBe(2);
    });

    it('counts a failed finger (UV false) as a failed factor, without an exception, and uses up the challenge', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      const { fingerprint } = await enrol('p-chen', finger);
      const request = await startFingerprintCheck(database.store.db, context, 'p-chen');
      const failed = finger.authenticate(request, { userVerified: false });
      expect(await inTransaction((trx) => verifyFingerprint(trx, context, 'p-chen', failed))).toEqual({
        ok: false,
        reason: 'not_verified',
        credentialId: fingerprint.credentialId,
      });
      expect(await credentialRow(fingerprint.credentialId)).toMatchObject({ counter: 0, last_used_at: null });
      // A good finger on the same challenge is too late: each challenge is answered once.
      const retry = finger.authenticate(request);
      expect(await inTransaction((trx) => verifyFingerprint(trx, context, 'p-chen', retry))).toMatchObject({
        ok: false,
        reason: 'replayed_challenge',
      });
      expect(await check('p-chen', finger)).toMatchObject({ ok: true });
    });

    it('refuses a response to a challenge that was never issued', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      await enrol('p-okafor', finger);
      expect(await check('p-okafor', finger, { overrides: { challenge: 'bm90LWlzc3VlZC1oZXJl' } })).toEqual({
        ok: false,
        reason: 'unknown_challenge',
      });
    });

    it('refuses a replayed response, and a replayed enrolment', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      const { response } = await enrol('p-ruiz', finger);
      const replayEnrolment = inTransaction((trx) =>
        finishFingerprintEnrolment(trx, context, 'p-ruiz', response),
      );
      await expect(replayEnrolment).rejects.toMatchObject({
        code: 'invalid_request',
        details: { reason: 'replayed_challenge' },
      });

      const request = await startFingerprintCheck(database.store.db, context, 'p-ruiz');
      const assertion = finger.authenticate(request);
      expect(
        await inTransaction((trx) => verifyFingerprint(trx, context, 'p-ruiz', assertion)),
      ).toMatchObject({
        ok: true,
      });
      expect(await inTransaction((trx) => verifyFingerprint(trx, context, 'p-ruiz', assertion))).toEqual({
        ok: false,
        reason: 'replayed_challenge',
      });
    });

    it('refuses an answer after the two-minute challenge expired', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      await enrol('p-novak', finger);
      const request = await startFingerprintCheck(database.store.db, context, 'p-novak');
      const assertion = finger.authenticate(request);
      service.clock.advance(CHALLENGE_TTL_MS + 1000);
      expect(await inTransaction((trx) => verifyFingerprint(trx, context, 'p-novak', assertion))).toEqual({
        ok: false,
        reason: 'challenge_expired',
      });
    });

    it("refuses another person's fingerprint", async () => {
      const chen = new SoftAuthenticator(ORIGIN);
      const { fingerprint: chens } = await enrol('p-chen', chen);
      // p-ruiz has fingerprints of his own; p-chen's finger answers p-ruiz's check.
      const request = await startFingerprintCheck(database.store.db, context, 'p-ruiz');
      const assertion = chen.authenticate(request, { credentialId: chens.credentialId });
      expect(await inTransaction((trx) => verifyFingerprint(trx, context, 'p-ruiz', assertion))).toEqual({
        ok: false,
        reason: 'unknown_credential',
        credentialId: chens.credentialId,
      });
      // Nor can a challenge issued to p-ruiz be answered for p-chen.
      const forChen = chen.authenticate(request, { credentialId: chens.credentialId });
      expect(await inTransaction((trx) => verifyFingerprint(trx, context, 'p-chen', forChen))).toEqual({
        ok: false,
        reason: 'unknown_challenge',
      });
    });

    it('refuses a revoked fingerprint, audits the revocation and offers no check without one', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      const { fingerprint } = await enrol('p-haddad', finger);
      const request = await startFingerprintCheck(database.store.db, context, 'p-haddad');
      const assertion = finger.authenticate(request);
      await inTransaction((trx) =>
        revokeFingerprint(trx, context, 'p-haddad', fingerprint.credentialId, {
          actor: 'p-okafor',
          reason: 'reader replaced',
        }),
      );
      expect(await inTransaction((trx) => verifyFingerprint(trx, context, 'p-haddad', assertion))).toEqual({
        ok: false,
        reason: 'revoked_credential',
        credentialId: fingerprint.credentialId,
      });
      await expect(startFingerprintCheck(database.store.db, context, 'p-haddad')).rejects.toMatchObject({
        code: 'not_found',
        details: { reason: 'no_credential' },
      });
      expect(await listFingerprints(database.store.db, 'p-haddad')).toEqual([]);
      const all = await listFingerprints(database.store.db, 'p-haddad', { includeRevoked: true });
      expect(all.map((f) => [f.credentialId, f.revokedAt])).toEqual([
        [fingerprint.credentialId, service.now().toISOString()],
      ]);
      const entry = await database.store.db
        .selectFrom('audit_entries')
        .selectAll()
        .where('type', '=', 'credential.fingerprint-revoked')
        .where('person_id', '=', 'p-haddad')
        .executeTakeFirstOrThrow();
      expect(entry.actor_id).toBe('p-okafor');
      expect(JSON.parse(entry.data)).toEqual({
        credentialId: fingerprint.credentialId,
        reason: 'reader replaced',
      });
      await expect(
        inTransaction((trx) => revokeFingerprint(trx, context, 'p-haddad', fingerprint.credentialId)),
      ).rejects.toMatchObject({ code: 'not_found' });
    });

    it('binds a challenge to the terminal session that asked for it', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      await enrol('p-okafor', finger);
      expect(
        await check('p-okafor', finger, { sessionId: 'session-a', answerSessionId: 'session-b' }),
      ).toMatchObject({ ok: false, reason: 'unknown_challenge' });
      expect(await check('p-okafor', finger, { sessionId: 'session-a' })).toMatchObject({ ok: true });
    });

    it('refuses a response signed for another origin', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      await enrol('p-novak', finger);
      expect(
        await check('p-novak', finger, { overrides: { origin: 'http://localhost:9999' } }),
      ).toMatchObject({
        ok: false,
        reason: 'wrong_origin',
      });
      expect(await check('p-novak', finger, { overrides: { rpId: 'evil.example' } })).toMatchObject({
        ok: false,
        reason: 'wrong_origin',
      });
    });

    it('refuses a tampered signature and a counter that goes backwards', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      const { fingerprint } = await enrol('p-chen', finger);
      expect(await check('p-chen', finger)).toMatchObject({ ok: true });
      const counter = (await credentialRow(fingerprint.credentialId)).counter as number;

      const request = await startFingerprintCheck(database.store.db, context, 'p-chen');
      const assertion = finger.authenticate(request);
      const authData = Buffer.from(assertion.response.authenticatorData, 'base64url');
      authData.writeUInt32BE(counter + 100, 33);
      const tampered = {
        ...assertion,
        response: { ...assertion.response, authenticatorData: authData.toString('base64url') },
      };
      expect(await inTransaction((trx) => verifyFingerprint(trx, context, 'p-chen', tampered))).toMatchObject(
        {
          ok: false,
          reason: 'bad_signature',
        },
      );

      expect(await check('p-chen', finger, { overrides: { counter } })).toMatchObject({
        ok: false,
        reason: 'counter_regressed',
      });
      expect((await credentialRow(fingerprint.credentialId)).counter).toBe(counter);
    });

    it('answers a malformed body with a failed result, not an exception', async () => {
      for (const body of [null, {}, 'x', { id: 'a', rawId: 'a', type: 'public-key', response: {} }]) {
        expect(await inTransaction((trx) => verifyFingerprint(trx, context, 'p-ruiz', body))).toEqual({
          ok: false,
          reason: 'malformed',
        });
      }
    });

    it('records a finger the browser refused (NotAllowedError) as a failure and uses up the challenge', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      await enrol('p-okafor', finger);
      const request = await startFingerprintCheck(database.store.db, context, 'p-okafor', {
        sessionId: 'session-c',
      });
      expect(
        await inTransaction((trx) =>
          failFingerprintCheck(trx, context, 'p-okafor', { sessionId: 'session-c' }),
        ),
      ).toEqual({ ok: false, reason: 'authenticator_refused' });
      const late = finger.authenticate(request);
      expect(
        await inTransaction((trx) =>
          verifyFingerprint(trx, context, 'p-okafor', late, { sessionId: 'session-c' }),
        ),
      ).toMatchObject({ ok: false, reason: 'replayed_challenge' });
    });

    it('does not enrol a finger the authenticator did not verify, nor the same credential twice', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      const before = await listFingerprints(database.store.db, 'p-berg');
      const failed = enrol('p-berg', finger, { overrides: { userVerified: false } });
      await expect(failed).rejects.toBeInstanceOf(KeywardenError);
      await expect(failed).rejects.toMatchObject({
        code: 'invalid_request',
        details: { reason: 'not_verified' },
      });
      expect(await listFingerprints(database.store.db, 'p-berg')).toEqual(before);

      const wrongOrigin = enrol('p-berg', finger, { overrides: { origin: 'https://phish.example' } });
      await expect(wrongOrigin).rejects.toMatchObject({ details: { reason: 'wrong_origin' } });

      const { response } = await enrol('p-berg', finger);
      // The same credential presented again, for a fresh challenge, is already enrolled.
      const creation = await startFingerprintEnrolment(database.store.db, context, 'p-berg');
      const clientData = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString());
      const again = {
        ...response,
        response: {
          ...response.response,
          clientDataJSON: Buffer.from(
            JSON.stringify({ ...clientData, challenge: creation.challenge }),
          ).toString('base64url'),
        },
      };
      await expect(
        inTransaction((trx) => finishFingerprintEnrolment(trx, context, 'p-berg', again)),
      ).rejects.toMatchObject({ details: { reason: 'already_enrolled' } });
    });

    it('plugs into factor verification: failures mapped to factor reasons, the detail kept', async () => {
      const finger = new SoftAuthenticator(ORIGIN);
      const { fingerprint } = await enrol('p-haddad', finger);
      const verifier = fingerprintFactorVerifier(
        { audit: context.audit, rp: context.rp },
        { sessionId: 's-1' },
      );
      const answer = async (overrides?: CeremonyOverrides, refused = false) => {
        const request = await startFingerprintCheck(database.store.db, context, 'p-haddad', {
          sessionId: 's-1',
        });
        const assertion = refused ? null : finger.authenticate(request, overrides);
        return inTransaction((trx) => verifier.verify(trx, 'p-haddad', assertion, service.now()));
      };
      expect(await answer()).toEqual({ ok: true, credentialId: fingerprint.credentialId });
      expect(await answer({ userVerified: false })).toEqual({
        ok: false,
        reason: 'wrong_value',
        detail: 'not_verified',
      });
      expect(await answer(undefined, true)).toEqual({
        ok: false,
        reason: 'wrong_value',
        detail: 'authenticator_refused',
      });
      expect(await answer({ counter: 1 })).toEqual({
        ok: false,
        reason: 'replayed',
        detail: 'counter_regressed',
      });
    });

    it('enrols only people in the directory who are active', async () => {
      await expect(startFingerprintEnrolment(database.store.db, context, 'p-nobody')).rejects.toMatchObject({
        code: 'unknown_person',
      });
      await expect(startFingerprintEnrolment(database.store.db, context, 'p-lee')).rejects.toMatchObject({
        code: 'person_inactive',
      });
    });
  });
}
