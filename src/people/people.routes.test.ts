/**
 * The console's people endpoints on a real database and a real server: reading people (supervisors: their
 * team only), enrolling PINs, badges, authenticators and fingerprints, ending a lockout, each audited with
 * the console user as actor, and no secret in any audit row or log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, auditText } from '../credentials/credentials.testing.js';
import { SoftAuthenticator } from '../credentials/webauthn-soft-authenticator.testing.js';
import { decodeBase32, totpCode } from '../domain/credentials/totp.js';
import { testDialects } from '../store/test-databases.js';
import {
  CONSOLE_ORIGIN,
  type ConsoleManagementBed,
  createConsoleManagementBed,
  MEMBERS,
} from './console-management.testing.js';

const ADMIN = MEMBERS.admin;
const KEY_MANAGER = MEMBERS['key-manager'];
const SUPERVISOR = MEMBERS.supervisor;
const AUDITOR = MEMBERS.auditor;

for (const dialect of await testDialects()) {
  describe(`console people routes on ${dialect}`, () => {
    let bed: ConsoleManagementBed;
    let token = '';
    /** Every secret a test handled: none may appear in the audit log or the server's log. */
    const secrets: string[] = [];

    const terminalSignIn = (person: string, factors: { kind: string; value: string }[]) =>
      bed.asCabinet(token, {
        method: 'POST',
        url: '/api/v1/cabinets/central-a/sessions',
        payload: { person, factors },
      });

    beforeAll(async () => {
      bed = await createConsoleManagementBed(dialect);
      const issued = await bed.as(ADMIN, {
        method: 'POST',
        url: '/api/v1/cabinets/central-a/tokens',
        payload: {},
      });
      token = issued.json().token;
    });

    afterAll(async () => {
      await bed?.close();
    });

    it('lists people with filters and pages, without any secret', async () => {
      const all = await bed.as(AUDITOR, { method: 'GET', url: '/api/v1/people' });
      expect(all.statusCode).toBe(200);
      const ids = all.json().people.map((p: { id: string }) => p.id);
      expect(ids).toEqual(['p-berg', 'p-chen', 'p-haddad', 'p-lee', 'p-novak', 'p-okafor', 'p-ruiz']);
      expect(all.json().people.find((p: { id: string }) => p.id === 'p-okafor')).toMatchObject({
        name: 'Grace Okafor',
        active: true,
        roles: ['watch-commander'],
        supervisor: null,
        consoleRoles: ['admin'],
      });

      const query = async (search: string) =>
        (await bed.as(ADMIN, { method: 'GET', url: `/api/v1/people?${search}` }))
          .json()
          .people.map((p: { id: string }) => p.id);
      expect(await query('active=false')).toEqual(['p-lee']);
      expect(await query('role=officer&active=true')).toEqual(['p-novak', 'p-ruiz']);
      expect(await query('q=DANA')).toEqual(['p-ruiz']);
      expect(await query('q=p-n')).toEqual(['p-novak']);
      expect(await query('q=%25')).toEqual([]); // a literal %, not a wildcard

      const first = await bed.as(ADMIN, { method: 'GET', url: '/api/v1/people?limit=3' });
      expect(first.json().people).toHaveLength(3);
      expect(first.headers.link).toMatch(/rel="next"/);
      const second = await bed.as(ADMIN, {
        method: 'GET',
        url: `/api/v1/people?limit=3&cursor=${first.json().next}`,
      });
      expect(second.json().people.map((p: { id: string }) => p.id)).toEqual(['p-lee', 'p-novak', 'p-okafor']);

      const bad = await bed.as(ADMIN, { method: 'GET', url: '/api/v1/people?active=maybe' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('invalid_request');
    });

    it('shows a supervisor their team and themselves only, and refuses another team’s person', async () => {
      const list = await bed.as(SUPERVISOR, { method: 'GET', url: '/api/v1/people' });
      expect(list.json().people.map((p: { id: string }) => p.id)).toEqual([
        'p-chen',
        'p-lee',
        'p-novak',
        'p-ruiz',
      ]);
      const filtered = await bed.as(SUPERVISOR, { method: 'GET', url: '/api/v1/people?role=maintenance' });
      expect(filtered.json().people).toEqual([]);
      const other = await bed.as(SUPERVISOR, { method: 'GET', url: '/api/v1/people/p-haddad' });
      expect(other.statusCode).toBe(403);
      expect(other.json().error.code).toBe('forbidden');
      const unknown = await bed.as(SUPERVISOR, { method: 'GET', url: '/api/v1/people/p-nobody' });
      expect(unknown.statusCode).toBe(403); // no hint of who exists outside the team
      expect((await bed.as(SUPERVISOR, { method: 'GET', url: '/api/v1/people/p-ruiz' })).statusCode).toBe(
        200,
      );
      expect((await bed.as(SUPERVISOR, { method: 'GET', url: '/api/v1/people/p-chen' })).statusCode).toBe(
        200,
      );
      expect((await bed.as(ADMIN, { method: 'GET', url: '/api/v1/people/p-nobody' })).statusCode).toBe(404);
    });

    it('lets a key manager set a random PIN, shown once, with which the person signs in at the cabinet', async () => {
      const response = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-ruiz/pin',
        payload: {},
      });
      expect(response.statusCode).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      const { pin, credential } = response.json();
      expect(pin).toMatch(/^\d{6}$/);
      secrets.push(pin);

      const signedIn = await terminalSignIn('p-ruiz', [{ kind: 'pin', value: pin }]);
      expect(signedIn.statusCode).toBe(201);
      expect(signedIn.json().session).toMatchObject({
        person: 'p-ruiz',
        cabinet: 'central-a',
        factors: ['pin'],
      });

      const [entry] = (await auditRows(bed.db, ['credential.pin-set'])).slice(-1);
      expect(entry).toMatchObject({
        actor: KEY_MANAGER,
        person: 'p-ruiz',
        data: { credential, method: 'random' },
      });
      const person = (await bed.as(KEY_MANAGER, { method: 'GET', url: '/api/v1/people/p-ruiz' })).json()
        .person;
      expect(person.factors).toContain('pin');
      expect(person.credentials.find((c: { kind: string }) => c.kind === 'pin').id).toBe(credential);
    });

    it('refuses a weak chosen PIN, and accepts a good one without echoing it', async () => {
      for (const weak of ['123456', '111111', '12']) {
        const refused = await bed.as(ADMIN, {
          method: 'POST',
          url: '/api/v1/people/p-novak/pin',
          payload: { pin: weak },
        });
        expect(refused.statusCode).toBe(422);
        expect(refused.json().error.code).toBe('pin_refused');
      }
      const letters = await bed.as(ADMIN, {
        method: 'POST',
        url: '/api/v1/people/p-novak/pin',
        payload: { pin: 'abcdef' },
      });
      expect(letters.statusCode).toBe(422);
      const both = await bed.as(ADMIN, {
        method: 'POST',
        url: '/api/v1/people/p-novak/pin',
        payload: { pin: '583920', random: true },
      });
      expect(both.statusCode).toBe(400);
      const chosen = await bed.as(ADMIN, {
        method: 'POST',
        url: '/api/v1/people/p-novak/pin',
        payload: { pin: '583920' },
      });
      expect(chosen.statusCode).toBe(201);
      expect(chosen.json().pin).toBeUndefined();
      secrets.push('583920');
      expect((await terminalSignIn('p-novak', [{ kind: 'pin', value: '583920' }])).statusCode).toBe(201);
    });

    it('adds and revokes badges by credential id; a badge belongs to one person', async () => {
      const number = '00-4A22-46B7-9931';
      secrets.push('4A2246B79931', number);
      const added = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-ruiz/badges',
        payload: { number },
      });
      expect(added.statusCode).toBe(201);
      expect(added.json().badgeEnding).toBe('…9931');
      const taken = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-novak/badges',
        payload: { number: '4a2246b79931' },
      });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().error.code).toBe('badge_in_use');
      const invalid = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-ruiz/badges',
        payload: { number: '!!' },
      });
      expect(invalid.json().error.code).toBe('badge_invalid');

      const person = (await bed.as(ADMIN, { method: 'GET', url: '/api/v1/people/p-ruiz' })).json().person;
      const badge = person.credentials.find((c: { kind: string }) => c.kind === 'badge');
      expect(badge).toMatchObject({ id: added.json().credential, badgeEnding: '…9931', revokedAt: null });
      expect(JSON.stringify(person)).not.toContain('4A2246B79931');

      const url = `/api/v1/people/p-ruiz/badges/${badge.id}`;
      expect((await bed.as(KEY_MANAGER, { method: 'DELETE', url })).statusCode).toBe(204);
      const again = await bed.as(KEY_MANAGER, { method: 'DELETE', url });
      expect(again.statusCode).toBe(404);
      expect(again.json().error.code).toBe('credential_not_found');
      // Another person's credential id is not found under this person.
      const novak = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-novak/badges',
        payload: { number },
      });
      expect(novak.statusCode).toBe(201);
      const cross = await bed.as(KEY_MANAGER, {
        method: 'DELETE',
        url: `/api/v1/people/p-ruiz/badges/${novak.json().credential}`,
      });
      expect(cross.statusCode).toBe(404);
      const revisited = (
        await bed.as(ADMIN, { method: 'GET', url: '/api/v1/people/p-ruiz?revoked=true' })
      ).json();
      expect(
        revisited.person.credentials.find((c: { id: string }) => c.id === badge.id).revokedAt,
      ).not.toBeNull();
      const entries = await auditRows(bed.db, ['credential.badge-added', 'credential.badge-revoked']);
      expect(entries.map((e) => [e.type, e.actor])).toEqual([
        ['credential.badge-added', KEY_MANAGER],
        ['credential.badge-revoked', KEY_MANAGER],
        ['credential.badge-added', KEY_MANAGER],
      ]);
    });

    it('enrols an authenticator once (no-store), refuses a second unless replacing, and revokes it', async () => {
      const enrolled = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-ruiz/totp',
        payload: {},
      });
      expect(enrolled.statusCode).toBe(201);
      expect(enrolled.headers['cache-control']).toBe('no-store');
      const { uri, secret } = enrolled.json();
      expect(uri).toMatch(/^otpauth:\/\/totp\//);
      secrets.push(secret);
      const twice = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-ruiz/totp',
        payload: {},
      });
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error.code).toBe('totp_already_enrolled');
      const replaced = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-ruiz/totp',
        payload: { replace: true },
      });
      expect(replaced.statusCode).toBe(201);
      const seed = replaced.json().secret;
      secrets.push(seed);

      // The new authenticator works at the cabinet.
      const pin = (
        await bed.as(KEY_MANAGER, { method: 'POST', url: '/api/v1/people/p-ruiz/pin', payload: {} })
      ).json().pin;
      secrets.push(pin);
      const code = await totpCode(decodeBase32(seed), bed.clock.now().getTime(), {
        algorithm: 'SHA1',
        digits: 6,
        stepSeconds: 30,
      });
      const signedIn = await terminalSignIn('p-ruiz', [
        { kind: 'pin', value: pin },
        { kind: 'totp', value: code },
      ]);
      expect(signedIn.statusCode).toBe(201);
      expect(signedIn.json().session.factors.sort()).toEqual(['pin', 'totp']);

      expect(
        (await bed.as(KEY_MANAGER, { method: 'DELETE', url: '/api/v1/people/p-ruiz/totp' })).statusCode,
      ).toBe(204);
      const none = await bed.as(KEY_MANAGER, { method: 'DELETE', url: '/api/v1/people/p-ruiz/totp' });
      expect(none.json().error.code).toBe('credential_not_found');
      const types = (await auditRows(bed.db, ['credential.totp-enrolled', 'credential.totp-revoked'])).map(
        (e) => [e.type, e.actor],
      );
      expect(types).toEqual([
        ['credential.totp-enrolled', KEY_MANAGER],
        ['credential.totp-enrolled', KEY_MANAGER],
        ['credential.totp-revoked', KEY_MANAGER],
      ]);
    });

    it('leaves a console user’s authenticator and lockout to an admin', async () => {
      const refused = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-chen/totp',
        payload: {},
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('forbidden');
      expect(
        (await bed.as(KEY_MANAGER, { method: 'POST', url: '/api/v1/people/p-chen/unlock', payload: {} }))
          .statusCode,
      ).toBe(403);
      const byAdmin = await bed.as(ADMIN, { method: 'POST', url: '/api/v1/people/p-chen/totp', payload: {} });
      expect(byAdmin.statusCode).toBe(201);
      secrets.push(byAdmin.json().secret);
      // A console user's PIN is a cabinet factor only: a key manager may set it.
      const pin = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-chen/pin',
        payload: {},
      });
      expect(pin.statusCode).toBe(201);
      secrets.push(pin.json().pin);
    });

    it('refuses supervisors and auditors every change, and changes nothing', async () => {
      const before = (await auditRows(bed.db)).length;
      for (const person of [SUPERVISOR, AUDITOR]) {
        for (const [method, url, payload] of [
          ['POST', '/api/v1/people/p-ruiz/pin', {}],
          ['POST', '/api/v1/people/p-ruiz/badges', { number: '77-1234-5678' }],
          ['POST', '/api/v1/people/p-ruiz/totp', {}],
          ['POST', '/api/v1/people/p-ruiz/unlock', {}],
          ['POST', '/api/v1/people/p-ruiz/fingerprint-enrolment-options', {}],
        ] as const) {
          const response = await bed.as(person, { method, url, payload });
          expect(response.statusCode).toBe(403);
          expect(response.json().error.code).toBe('forbidden');
        }
      }
      expect((await auditRows(bed.db)).length).toBe(before);
    });

    it('enrols a fingerprint at the console, which then works at the cabinet, and revokes it', async () => {
      const reader = new SoftAuthenticator(CONSOLE_ORIGIN);
      const started = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-novak/fingerprint-enrolment-options',
        payload: {},
      });
      expect(started.statusCode).toBe(200);
      const { options } = started.json();
      expect(options.authenticatorSelection.userVerification).toBe('required');
      const enrolled = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-novak/fingerprints',
        payload: { registration: reader.register(options), label: 'right index' },
      });
      expect(enrolled.statusCode).toBe(201);
      const { credentialId } = enrolled.json().fingerprint;

      // A response replayed to the same challenge is refused.
      const replay = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-novak/fingerprints',
        payload: { registration: reader.register(options) },
      });
      expect(replay.statusCode).toBe(400);

      const person = (await bed.as(ADMIN, { method: 'GET', url: '/api/v1/people/p-novak' })).json().person;
      const fingerprint = person.credentials.find((c: { kind: string }) => c.kind === 'fingerprint');
      expect(fingerprint).toMatchObject({ label: 'right index', credentialId });

      const session = (await terminalSignIn('p-novak', [{ kind: 'pin', value: '583920' }])).json().session;
      const check = await bed.asCabinet(token, {
        method: 'GET',
        url: `/api/v1/sessions/${session.id}/fingerprint-options`,
      });
      const finger = await bed.asCabinet(token, {
        method: 'POST',
        url: `/api/v1/sessions/${session.id}/factors`,
        payload: { kind: 'fingerprint', assertion: reader.authenticate(check.json().options) },
      });
      expect(finger.statusCode).toBe(200);
      expect(finger.json().session.factors.sort()).toEqual(['fingerprint', 'pin']);

      const url = `/api/v1/people/p-novak/fingerprints/${fingerprint.id}`;
      expect((await bed.as(KEY_MANAGER, { method: 'DELETE', url })).statusCode).toBe(204);
      expect((await bed.as(KEY_MANAGER, { method: 'DELETE', url })).statusCode).toBe(404);
      const entries = await auditRows(bed.db, [
        'credential.fingerprint-enrolled',
        'credential.fingerprint-revoked',
      ]);
      expect(entries.map((e) => [e.type, e.actor, e.person])).toEqual([
        ['credential.fingerprint-enrolled', KEY_MANAGER, 'p-novak'],
        ['credential.fingerprint-revoked', KEY_MANAGER, 'p-novak'],
      ]);
    });

    it('shows a lockout and ends it, audited', async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        await terminalSignIn('p-ruiz', [{ kind: 'pin', value: `90817${attempt}` }]);
      }
      const locked = (await bed.as(ADMIN, { method: 'GET', url: '/api/v1/people/p-ruiz' })).json().person
        .lockout;
      expect(locked).toMatchObject({ locked: true, lockouts: 1 });
      const unlocked = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-ruiz/unlock',
        payload: {},
      });
      expect(unlocked.statusCode).toBe(200);
      expect(unlocked.json().before.locked).toBe(true);
      expect(unlocked.json().after).toMatchObject({ locked: false, consecutiveFailures: 0, lockouts: 0 });
      const [entry] = (await auditRows(bed.db, ['auth.lockout-cleared'])).slice(-1);
      expect(entry).toMatchObject({ actor: KEY_MANAGER, person: 'p-ruiz', data: { wasLocked: true } });
      const unknown = await bed.as(KEY_MANAGER, {
        method: 'POST',
        url: '/api/v1/people/p-nobody/unlock',
        payload: {},
      });
      expect(unknown.statusCode).toBe(404);
    });

    it('documents every people, cabinet and site route in OpenAPI', async () => {
      const response = await bed.app.inject({ method: 'GET', url: '/docs/json' });
      expect(response.statusCode).toBe(200);
      const paths = Object.keys(response.json().paths);
      for (const path of [
        '/api/v1/people',
        '/api/v1/people/{id}',
        '/api/v1/people/{id}/pin',
        '/api/v1/people/{id}/badges/{credential}',
        '/api/v1/people/{id}/fingerprint-enrolment-options',
        '/api/v1/cabinets/{cabinet}/tokens',
        '/api/v1/sites/{site}',
      ]) {
        expect(paths).toContain(path);
      }
    });

    it('writes no PIN, authenticator secret or badge number to the audit log or the server log', async () => {
      expect(secrets.length).toBeGreaterThan(6);
      const audit = await auditText(bed.db);
      const log = bed.logLines.join('\n');
      expect(log).toContain('/api/v1/people/p-ruiz/pin'); // the log was captured
      for (const secret of secrets) {
        expect(audit).not.toContain(secret);
        expect(log).not.toContain(secret);
      }
    });
  });
}
