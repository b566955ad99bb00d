/**
 * Issuing factors and checking them at the cabinet, on each database: PINs hashed with argon2id and never
 * written anywhere in clear, badges normalised and held by one person at a time, TOTP seeds sealed at rest
 * and each code accepted once, every attempt audited, lockouts that double, policy locks that stack.
 */
import { parseOptions } from '@node-rs/argon2';
import type { Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { checkChosenPin } from '../domain/credentials/pin-rules.js';
import { decodeBase32, totpCode } from '../domain/credentials/totp.js';
import { RFC6238_SEEDS, RFC6238_VECTORS } from '../domain/credentials/totp-vectors.testing.js';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import { testDialects } from '../store/test-databases.js';
import type { PresentedFactor } from '../terminal/factor-checks.js';
import {
  addBadge,
  enrolTotp,
  listCredentials,
  revokeBadge,
  revokeTotp,
  setPin,
} from './credentials.service.js';
import {
  auditRows,
  auditText,
  type CredentialTestBed,
  createCredentialTestBed,
} from './credentials.testing.js';
import { applyPolicyLock, clearLockout, lockoutStatus, recordSignInSuccess } from './factor-lockouts.js';
import {
  createFactorChecks,
  type FactorContext,
  type FactorVerification,
  type FingerprintVerifier,
  identifyByBadge,
  verifyFactor,
} from './factor-verification.js';
import { PIN_HASH_OPTIONS } from './pin-hash.js';
import type { FingerprintFactorVerifier } from './webauthn-factor.js';

const MINUTE = 60_000;
const CABINET = { cabinet: 'central-a' };

async function codeOf(secret: string, at: number, algorithm: 'SHA1' | 'SHA256' | 'SHA512' = 'SHA1') {
  return totpCode(decodeBase32(secret), at, { algorithm, digits: 6, stepSeconds: 30 });
}

const lockedUntilOf = (result: FactorVerification | undefined) =>
  result && !result.ok ? result.lockedUntil : undefined;

async function rejection(work: Promise<unknown>): Promise<KeywardenError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof KeywardenError) return error;
    throw error;
  }
  throw new Error('expected a KeywardenError');
}

for (const dialect of await testDialects()) {
  describe(`credentials on ${dialect}`, () => {
    let bed: CredentialTestBed;

    beforeEach(async () => {
      bed = await createCredentialTestBed(dialect);
    });
    afterEach(async () => {
      await bed.drop();
    });

    const tx = <T>(work: (trx: Transaction<DB>) => Promise<T>) => bed.db.transaction().execute(work);
    const verify = (person: string, factor: PresentedFactor) =>
      tx((trx) => verifyFactor(trx, bed.context, person, factor, CABINET));
    const failPins = async (person: string, n: number) => {
      const results = [];
      for (let i = 0; i < n; i++) results.push(await verify(person, { kind: 'pin', value: '000001' }));
      return results;
    };

    describe('PINs', () => {
      it('issues a random six-digit PIN that the rules accept, stores it as argon2id, and verifies it', async () => {
        const { pin, credentialId } = await tx((trx) =>
          setPin(trx, bed.context, 'p-ruiz', { random: true }, { by: 'p-okafor' }),
        );
        expect(pin).toMatch(/^[0-9]{6}$/);
        expect(checkChosenPin(pin)).toBeNull();
        const row = await bed.db
          .selectFrom('credentials')
          .selectAll()
          .where('id', '=', credentialId)
          .executeTakeFirstOrThrow();
        expect(row.secret).toMatch(
          /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
        );
        expect(parseOptions(row.secret as string)).toMatchObject({
          memoryCost: PIN_HASH_OPTIONS.memoryCost,
          timeCost: PIN_HASH_OPTIONS.timeCost,
          parallelism: PIN_HASH_OPTIONS.parallelism,
        });
        expect(row.secret).not.toContain(pin);
        expect(await verify('p-ruiz', { kind: 'pin', value: pin })).toEqual({
          ok: true,
          kind: 'pin',
          credentialId,
        });
        expect(
          await verify('p-ruiz', { kind: 'pin', value: pin === '583016' ? '583017' : '583016' }),
        ).toEqual({
          ok: false,
          kind: 'pin',
          reason: 'wrong_value',
        });
      });

      it('never writes the PIN into the audit log, whether random or chosen, right or wrong', async () => {
        const { pin } = await tx((trx) => setPin(trx, bed.context, 'p-ruiz', { random: true }));
        await tx((trx) => setPin(trx, bed.context, 'p-chen', { pin: '583016' }));
        await verify('p-ruiz', { kind: 'pin', value: pin });
        await verify('p-chen', { kind: 'pin', value: '583016' });
        await verify('p-chen', { kind: 'pin', value: '947215' });
        await verify('nobody', { kind: 'pin', value: '839201' });
        const text = await auditText(bed.db);
        for (const secret of [pin, '583016', '947215', '839201']) expect(text).not.toContain(secret);
        const types = (await auditRows(bed.db)).map((row) => row.type);
        expect(types.filter((type) => type === 'credential.pin-set')).toHaveLength(2);
        expect(types.filter((type) => type.startsWith('auth.factor-'))).toHaveLength(4);
      });

      it.each([
        ['12345', 'a PIN has at least 6 digits'],
        ['123456', 'consecutive digits'],
        ['111111', 'one digit repeated'],
        ['121212', 'repeats a short pattern'],
        ['159753', 'the 100 most commonly chosen'],
        ['12a456', 'digits only'],
      ])('refuses the chosen PIN %j', async (pin, why) => {
        const error = await rejection(tx((trx) => setPin(trx, bed.context, 'p-ruiz', { pin })));
        expect(error.code).toBe('pin_refused');
        expect(error.message).toContain(why);
        expect(await bed.db.selectFrom('credentials').selectAll().execute()).toEqual([]);
      });

      it('replaces the earlier PIN: only the new one works', async () => {
        await tx((trx) => setPin(trx, bed.context, 'p-ruiz', { pin: '583016' }));
        bed.clock.advance(1000);
        await tx((trx) => setPin(trx, bed.context, 'p-ruiz', { pin: '294751' }));
        expect((await verify('p-ruiz', { kind: 'pin', value: '583016' })).ok).toBe(false);
        expect((await verify('p-ruiz', { kind: 'pin', value: '294751' })).ok).toBe(true);
        const pins = (await listCredentials(bed.db, 'p-ruiz', { includeRevoked: true })).filter(
          (c) => c.kind === 'pin',
        );
        expect(pins.map((c) => c.revokedAt !== null)).toEqual([true, false]);
        const [, replaced] = await auditRows(bed.db, ['credential.pin-set']);
        expect(replaced?.data).toMatchObject({ method: 'chosen', replaced: true });
      });

      it('says no_credential for a person without a PIN, and unknown_person without naming who was typed', async () => {
        expect(await verify('p-ruiz', { kind: 'pin', value: '583016' })).toMatchObject({
          ok: false,
          reason: 'no_credential',
        });
        expect(await verify('p-nobody-4711', { kind: 'pin', value: '583016' })).toMatchObject({
          ok: false,
          reason: 'unknown_person',
        });
        const [unknown] = (await auditRows(bed.db, ['auth.factor-failed'])).slice(-1);
        expect(unknown).toMatchObject({
          person: null,
          actor: null,
          data: { kind: 'pin', reason: 'unknown_person' },
        });
        expect(await auditText(bed.db)).not.toContain('p-nobody-4711');
        await expect(
          tx((trx) => setPin(trx, bed.context, 'p-nobody', { random: true })),
        ).rejects.toMatchObject({
          code: 'unknown_person',
        });
      });

      it('refuses an inactive person, counting it as a failure', async () => {
        await tx((trx) => setPin(trx, bed.context, 'p-lee', { pin: '583016' }));
        expect(await verify('p-lee', { kind: 'pin', value: '583016' })).toMatchObject({
          ok: false,
          reason: 'person_inactive',
        });
        expect((await lockoutStatus(bed.db, 'p-lee', bed.clock.now())).consecutiveFailures).toBe(1);
      });
    });

    describe('badges', () => {
      it('stores the number as a reader types it, normalised, and identifies the person by any spelling of it', async () => {
        const added = await tx((trx) => addBadge(trx, bed.context, 'p-ruiz', ' 00-0a:1b:2c:3d\r\n'));
        expect(added.number).toBe('A1B2C3D');
        expect(await identifyByBadge(bed.db, '0A1B2C3D')).toBe('p-ruiz');
        expect(await identifyByBadge(bed.db, 'a1.b2.c3.d')).toBe('p-ruiz');
        expect(await identifyByBadge(bed.db, 'A1B2C3E')).toBeNull();
        expect(await identifyByBadge(bed.db, '')).toBeNull();
        expect(await verify('p-ruiz', { kind: 'badge', value: '000a1b2c3d' })).toMatchObject({ ok: true });
        expect(await verify('p-ruiz', { kind: 'badge', value: '999' })).toMatchObject({
          ok: false,
          reason: 'wrong_value',
        });
        expect(await verify('p-chen', { kind: 'badge', value: 'A1B2C3D' })).toMatchObject({
          ok: false,
          reason: 'no_credential',
        });
      });

      it('lets a person hold several badges, each live badge held by one person only', async () => {
        await tx((trx) => addBadge(trx, bed.context, 'p-ruiz', '1001'));
        await tx((trx) => addBadge(trx, bed.context, 'p-ruiz', '1002'));
        expect(await identifyByBadge(bed.db, '1001')).toBe('p-ruiz');
        expect(await identifyByBadge(bed.db, '1002')).toBe('p-ruiz');

        const other = await rejection(tx((trx) => addBadge(trx, bed.context, 'p-chen', '0001001')));
        expect(other.code).toBe('badge_in_use');
        expect(other.message).toBe('badge 1001 belongs to p-ruiz: revoke it there first');
        const same = await rejection(tx((trx) => addBadge(trx, bed.context, 'p-ruiz', '10-02')));
        expect(same.code).toBe('badge_in_use');
        expect(same.message).toBe("badge 1002 is already p-ruiz's");

        const invalid = await rejection(tx((trx) => addBadge(trx, bed.context, 'p-ruiz', '10#02')));
        expect(invalid.code).toBe('badge_invalid');
        const badges = (await listCredentials(bed.db, 'p-ruiz')).map((c) => c.badge);
        expect(badges.sort()).toEqual(['1001', '1002']);
      });

      it('revokes a badge: it no longer identifies anyone, and can then go to someone else', async () => {
        await tx((trx) => addBadge(trx, bed.context, 'p-ruiz', '4A2246B7'));
        await tx((trx) => addBadge(trx, bed.context, 'p-ruiz', '4A2246B8'));
        const revoked = await tx((trx) =>
          revokeBadge(trx, bed.context, 'p-ruiz', '4a:22:46:b7', { by: 'p-chen' }),
        );
        expect(revoked.number).toBe('4A2246B7');
        expect(await identifyByBadge(bed.db, '4A2246B7')).toBeNull();
        expect(await verify('p-ruiz', { kind: 'badge', value: '4A2246B7' })).toMatchObject({
          ok: false,
          reason: 'wrong_value',
        });
        await expect(tx((trx) => revokeBadge(trx, bed.context, 'p-ruiz', '4A2246B7'))).rejects.toMatchObject({
          code: 'credential_not_found',
        });
        await expect(tx((trx) => revokeBadge(trx, bed.context, 'p-chen', '4A2246B8'))).rejects.toMatchObject({
          code: 'credential_not_found',
        });
        await tx((trx) => addBadge(trx, bed.context, 'p-chen', '4A2246B7'));
        expect(await identifyByBadge(bed.db, '4A2246B7')).toBe('p-chen');
        const entries = await auditRows(bed.db, ['credential.badge-added', 'credential.badge-revoked']);
        expect(entries.map((e) => [e.type, e.person, e.data.badge])).toEqual([
          ['credential.badge-added', 'p-ruiz', '…46B7'],
          ['credential.badge-added', 'p-ruiz', '…46B8'],
          ['credential.badge-revoked', 'p-ruiz', '…46B7'],
          ['credential.badge-added', 'p-chen', '…46B7'],
        ]);
        expect(entries[2]?.actor).toBe('p-chen');
        expect(await auditText(bed.db)).not.toContain('4A2246B');
      });

      it('lets the unique index decide between two people given one badge at the same time', async () => {
        const results = await Promise.allSettled([
          tx((trx) => addBadge(trx, bed.context, 'p-ruiz', '777001')),
          tx((trx) => addBadge(trx, bed.context, 'p-chen', '777001')),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toMatchObject({ code: 'badge_in_use' });
      });
    });

    describe('authenticator codes', () => {
      it('enrols a random seed, shows it once as base32 and URI, and keeps it only sealed', async () => {
        const enrolled = await tx((trx) => enrolTotp(trx, bed.context, 'p-ruiz', { by: 'p-okafor' }));
        expect(enrolled.secret).toMatch(/^[A-Z2-7]{32}$/);
        expect(enrolled.uri).toBe(
          `otpauth://totp/Keywarden:p-ruiz?secret=${enrolled.secret}&issuer=Keywarden`,
        );
        const row = await bed.db
          .selectFrom('credentials')
          .selectAll()
          .where('id', '=', enrolled.credentialId)
          .executeTakeFirstOrThrow();
        expect(row.secret).toMatch(/^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        expect(row.secret).not.toContain(enrolled.secret);
        expect(row.secret).not.toContain(Buffer.from(decodeBase32(enrolled.secret)).toString('base64url'));
        expect(row.secret).not.toContain(Buffer.from(decodeBase32(enrolled.secret)).toString('hex'));
        expect(JSON.parse(row.data as string)).toEqual({ algorithm: 'SHA1', digits: 6, stepSeconds: 30 });
        expect(await auditText(bed.db)).not.toContain(enrolled.secret);
        const [entry] = await auditRows(bed.db, ['credential.totp-enrolled']);
        expect(entry?.data).toEqual({
          credential: enrolled.credentialId,
          algorithm: 'SHA1',
          digits: 6,
          stepSeconds: 30,
          imported: false,
          replaced: false,
        });

        const now = bed.clock.now().getTime();
        expect(await verify('p-ruiz', { kind: 'totp', value: await codeOf(enrolled.secret, now) })).toEqual({
          ok: true,
          kind: 'totp',
          credentialId: enrolled.credentialId,
        });
      });

      it('gives SHA-256 and SHA-512 seeds of the hash size, and refuses a second enrolment unless replacing', async () => {
        const sha256 = await tx((trx) => enrolTotp(trx, bed.context, 'p-ruiz', { algorithm: 'SHA256' }));
        expect(decodeBase32(sha256.secret)).toHaveLength(32);
        expect(sha256.uri).toContain('algorithm=SHA256');
        await expect(tx((trx) => enrolTotp(trx, bed.context, 'p-ruiz'))).rejects.toMatchObject({
          code: 'totp_already_enrolled',
        });
        const sha512 = await tx((trx) =>
          enrolTotp(trx, bed.context, 'p-ruiz', { algorithm: 'SHA512', digits: 8, replace: true }),
        );
        expect(decodeBase32(sha512.secret)).toHaveLength(64);
        const now = bed.clock.now().getTime();
        const old = await codeOf(sha256.secret, now, 'SHA256');
        expect(await verify('p-ruiz', { kind: 'totp', value: old })).toMatchObject({ ok: false });
        const code = await totpCode(decodeBase32(sha512.secret), now, {
          algorithm: 'SHA512',
          digits: 8,
          stepSeconds: 30,
        });
        expect(await verify('p-ruiz', { kind: 'totp', value: code })).toMatchObject({ ok: true });
      });

      it.each(['SHA1', 'SHA256', 'SHA512'] as const)(
        'passes every RFC 6238 test vector for %s through the service, each code once',
        async (algorithm) => {
          const { credentialId } = await tx((trx) =>
            enrolTotp(trx, bed.context, 'p-ruiz', { algorithm, digits: 8, secret: RFC6238_SEEDS[algorithm] }),
          );
          const vectors = RFC6238_VECTORS.filter((v) => v[3] === algorithm);
          expect(vectors).toHaveLength(6);
          for (const [seconds, step, code] of vectors) {
            bed.clock.set(new Date(seconds * 1000).toISOString());
            expect(await verify('p-ruiz', { kind: 'totp', value: code }), `${seconds} s`).toEqual({
              ok: true,
              kind: 'totp',
              credentialId,
            });
            const row = await bed.db
              .selectFrom('credentials')
              .select('counter')
              .where('id', '=', credentialId)
              .executeTakeFirstOrThrow();
            expect(row.counter).toBe(step);
            expect(await verify('p-ruiz', { kind: 'totp', value: code }), `${seconds} s again`).toMatchObject(
              {
                ok: false,
                reason: 'replayed',
              },
            );
          }
        },
      );

      it('accepts one step of clock drift, refuses two, and refuses an earlier step once a later one was used', async () => {
        const { secret } = await tx((trx) => enrolTotp(trx, bed.context, 'p-ruiz'));
        const now = bed.clock.now().getTime();
        const stepStart = now - (now % 30_000);
        bed.clock.set(new Date(stepStart + 1000).toISOString());
        const t = bed.clock.now().getTime();
        expect(
          await verify('p-ruiz', { kind: 'totp', value: await codeOf(secret, t - 60_000) }),
        ).toMatchObject({
          reason: 'wrong_value',
        });
        expect(
          await verify('p-ruiz', { kind: 'totp', value: await codeOf(secret, t + 30_000) }),
        ).toMatchObject({
          ok: true,
        });
        // The person's phone was a step ahead; the current step's code is now in the past.
        expect(await verify('p-ruiz', { kind: 'totp', value: await codeOf(secret, t) })).toMatchObject({
          ok: false,
          reason: 'replayed',
        });
        // A phone a step behind: accepted, as long as its step is later than the last one used.
        bed.clock.advance(90_000);
        expect(
          await verify('p-ruiz', { kind: 'totp', value: await codeOf(secret, t + 60_000) }),
        ).toMatchObject({
          ok: true,
        });
        const succeeded = await auditRows(bed.db, ['auth.factor-succeeded']);
        expect(succeeded.map((e) => e.data.drift)).toEqual([1, -1]);
      });

      it('refuses a revoked authenticator, and a person without one', async () => {
        const { secret } = await tx((trx) => enrolTotp(trx, bed.context, 'p-ruiz'));
        await tx((trx) => revokeTotp(trx, bed.context, 'p-ruiz', { by: 'p-okafor' }));
        const code = await codeOf(secret, bed.clock.now().getTime());
        expect(await verify('p-ruiz', { kind: 'totp', value: code })).toMatchObject({
          reason: 'no_credential',
        });
        await expect(tx((trx) => revokeTotp(trx, bed.context, 'p-ruiz'))).rejects.toMatchObject({
          code: 'credential_not_found',
        });
        expect(await auditText(bed.db)).not.toContain(code);
      });

      it('does not open a sealed seed moved onto another credential row', async () => {
        const ruiz = await tx((trx) => enrolTotp(trx, bed.context, 'p-ruiz'));
        const chen = await tx((trx) => enrolTotp(trx, bed.context, 'p-chen'));
        const sealed = await bed.db
          .selectFrom('credentials')
          .select('secret')
          .where('id', '=', ruiz.credentialId)
          .executeTakeFirstOrThrow();
        await bed.db
          .updateTable('credentials')
          .set({ secret: sealed.secret })
          .where('id', '=', chen.credentialId)
          .execute();
        const code = await codeOf(ruiz.secret, bed.clock.now().getTime());
        await expect(verify('p-chen', { kind: 'totp', value: code })).rejects.toThrow(/another credential/);
      });

      it('accepts a code once when two transactions present it at the same moment', async () => {
        const { secret } = await tx((trx) => enrolTotp(trx, bed.context, 'p-ruiz'));
        for (let round = 0; round < 5; round++) {
          const code = await codeOf(secret, bed.clock.now().getTime());
          const results = await Promise.all([
            verify('p-ruiz', { kind: 'totp', value: code }),
            verify('p-ruiz', { kind: 'totp', value: code }),
          ]);
          expect(results.filter((r) => r.ok)).toHaveLength(1);
          expect(results.find((r) => !r.ok)).toMatchObject({ reason: 'replayed' });
          bed.clock.advance(30_000);
          // Keep the replays from locking the person out.
          await tx((trx) => recordSignInSuccess(trx, bed.context, 'p-ruiz'));
        }
      });
    });

    describe('lockout', () => {
      beforeEach(async () => {
        await tx((trx) => setPin(trx, bed.context, 'p-ruiz', { pin: '583016' }));
        await tx((trx) => addBadge(trx, bed.context, 'p-ruiz', '1001'));
      });

      it('locks out after 5 failures for 5 minutes, then 10, then 20, and refuses even the right PIN meanwhile', async () => {
        const expected = [5, 10, 20];
        for (const minutes of expected) {
          const start = bed.clock.now().getTime();
          const results = await failPins('p-ruiz', 5);
          expect(
            results.slice(0, 4).every((r) => !r.ok && r.reason === 'wrong_value' && !r.lockedUntil),
          ).toBe(true);
          const until = new Date(start + minutes * MINUTE).toISOString();
          expect(results[4]).toEqual({ ok: false, kind: 'pin', reason: 'wrong_value', lockedUntil: until });
          expect(await lockoutStatus(bed.db, 'p-ruiz', bed.clock.now())).toMatchObject({
            locked: true,
            lockedUntil: until,
          });
          expect(await verify('p-ruiz', { kind: 'pin', value: '583016' })).toEqual({
            ok: false,
            kind: 'pin',
            reason: 'locked_out',
            lockedUntil: until,
          });
          expect(await verify('p-ruiz', { kind: 'badge', value: '1001' })).toMatchObject({
            reason: 'locked_out',
          });
          bed.clock.advance(minutes * MINUTE - 1);
          expect((await verify('p-ruiz', { kind: 'pin', value: '583016' })).ok).toBe(false);
          bed.clock.advance(1);
          expect((await verify('p-ruiz', { kind: 'pin', value: '583016' })).ok).toBe(true);
        }
        const lockouts = await auditRows(bed.db, ['auth.locked-out']);
        expect(lockouts.map((e) => e.data.durationMs)).toEqual(expected.map((m) => m * MINUTE));
        expect(lockouts.map((e) => e.data.lockouts)).toEqual([1, 2, 3]);
      });

      it('audits attempts while locked out as refused, without counting them', async () => {
        await failPins('p-ruiz', 5);
        const status = await lockoutStatus(bed.db, 'p-ruiz', bed.clock.now());
        for (let i = 0; i < 7; i++) await verify('p-ruiz', { kind: 'pin', value: '583016' });
        expect(await lockoutStatus(bed.db, 'p-ruiz', bed.clock.now())).toEqual(status);
        const refused = (await auditRows(bed.db, ['auth.factor-failed'])).filter(
          (e) => e.data.reason === 'locked_out',
        );
        expect(refused).toHaveLength(7);
        expect(refused[0]).toMatchObject({
          person: 'p-ruiz',
          cabinet: 'central-a',
          data: { kind: 'pin', lockedUntil: status.lockedUntil },
        });
      });

      it('counts failures of every kind together', async () => {
        await tx((trx) => enrolTotp(trx, bed.context, 'p-ruiz'));
        await verify('p-ruiz', { kind: 'pin', value: '000001' });
        await verify('p-ruiz', { kind: 'badge', value: '9999' });
        await verify('p-ruiz', { kind: 'totp', value: '000000' });
        await verify('p-ruiz', { kind: 'fingerprint', assertion: {} });
        const fifth = await verify('p-ruiz', { kind: 'totp', value: '999999' });
        expect(fifth).toMatchObject({ ok: false, lockedUntil: expect.any(String) });
        const failed = await auditRows(bed.db, ['auth.factor-failed']);
        expect(failed.map((e) => [e.data.kind, e.data.reason, e.data.consecutiveFailures])).toEqual([
          ['pin', 'wrong_value', 1],
          ['badge', 'wrong_value', 2],
          ['totp', 'wrong_value', 3],
          ['fingerprint', 'no_credential', 4],
          ['totp', 'wrong_value', 5],
        ]);
      });

      it('resets the count and the doubling on a completed sign-in, not on one correct factor', async () => {
        await failPins('p-ruiz', 4);
        // A thief with the badge cannot clear the count by presenting it.
        expect((await verify('p-ruiz', { kind: 'badge', value: '1001' })).ok).toBe(true);
        expect(lockedUntilOf((await failPins('p-ruiz', 1))[0])).toBeDefined();
        bed.clock.advance(5 * MINUTE);

        await failPins('p-ruiz', 4);
        await tx((trx) => recordSignInSuccess(trx, bed.context, 'p-ruiz', CABINET));
        expect(await lockoutStatus(bed.db, 'p-ruiz', bed.clock.now())).toMatchObject({
          consecutiveFailures: 0,
          lockouts: 0,
          locked: false,
        });
        await failPins('p-ruiz', 4);
        expect((await lockoutStatus(bed.db, 'p-ruiz', bed.clock.now())).locked).toBe(false);
        const start = bed.clock.now().getTime();
        // The doubling started again too: this lockout is 5 minutes, not 10.
        expect(lockedUntilOf((await failPins('p-ruiz', 1))[0])).toBe(
          new Date(start + 5 * MINUTE).toISOString(),
        );
        const reset = await auditRows(bed.db, ['auth.failures-reset']);
        expect(reset).toHaveLength(1);
        expect(reset[0]).toMatchObject({
          cabinet: 'central-a',
          data: { consecutiveFailures: 4, lockouts: 1 },
        });
      });

      it('adds a policy lock after a lock in force, and locks from now otherwise', async () => {
        const start = bed.clock.now().getTime();
        const first = await tx((trx) =>
          applyPolicyLock(trx, bed.context, 'p-chen', 30 * MINUTE, 'consequence 1: 3 denied within 10m'),
        );
        expect(first).toMatchObject({
          locked: true,
          lockedUntil: new Date(start + 30 * MINUTE).toISOString(),
        });

        await failPins('p-ruiz', 5);
        bed.clock.advance(MINUTE);
        const stacked = await tx((trx) => applyPolicyLock(trx, bed.context, 'p-ruiz', 30 * MINUTE, 'denied'));
        const failureLockEnd = start + 5 * MINUTE;
        expect(stacked).toMatchObject({
          locked: true,
          lockedUntil: new Date(failureLockEnd + 30 * MINUTE).toISOString(),
          lockouts: 1,
        });
        bed.clock.set(new Date(failureLockEnd + 30 * MINUTE - 1).toISOString());
        expect(await verify('p-ruiz', { kind: 'pin', value: '583016' })).toMatchObject({
          reason: 'locked_out',
        });
        bed.clock.advance(1);
        expect((await verify('p-ruiz', { kind: 'pin', value: '583016' })).ok).toBe(true);
        const [entry] = (await auditRows(bed.db, ['auth.policy-lock'])).slice(-1);
        expect(entry).toMatchObject({
          person: 'p-ruiz',
          data: {
            durationMs: 30 * MINUTE,
            duration: '30 minutes',
            why: 'denied',
            stackedAfter: new Date(failureLockEnd).toISOString(),
          },
        });
        await expect(
          tx((trx) => applyPolicyLock(trx, bed.context, 'p-nobody', MINUTE, 'x')),
        ).rejects.toMatchObject({
          code: 'unknown_person',
        });
      });

      it('lets an administrator clear a lockout, audited', async () => {
        await failPins('p-ruiz', 5);
        const { before, after } = await tx((trx) =>
          clearLockout(trx, bed.context, 'p-ruiz', { by: 'p-okafor' }),
        );
        expect(before).toMatchObject({ locked: true, lockouts: 1 });
        expect(after).toMatchObject({
          locked: false,
          lockouts: 0,
          consecutiveFailures: 0,
          lockedUntil: null,
        });
        expect((await verify('p-ruiz', { kind: 'pin', value: '583016' })).ok).toBe(true);
        const [entry] = await auditRows(bed.db, ['auth.lockout-cleared']);
        expect(entry).toMatchObject({
          actor: 'p-okafor',
          person: 'p-ruiz',
          data: { wasLocked: true, lockouts: 1 },
        });
      });

      it('counts every one of many failures presented at once', async () => {
        const results = await Promise.all(
          Array.from({ length: 5 }, () => verify('p-ruiz', { kind: 'pin', value: '000001' })),
        );
        expect(results.filter((r) => !r.ok && r.lockedUntil)).toHaveLength(1);
        expect(await lockoutStatus(bed.db, 'p-ruiz', bed.clock.now())).toMatchObject({
          locked: true,
          lockouts: 1,
        });
      });

      it('counts and audits a failed fingerprint with the WebAuthn reason, passing the session on', async () => {
        const sessions: (string | null | undefined)[] = [];
        const context: FactorContext = {
          ...bed.context,
          fingerprintVerifier: (where) => {
            sessions.push(where.session);
            return {
              verify: async (_trx, _person, assertion) =>
                assertion === 'good'
                  ? { ok: true, credentialId: 'cred-1' }
                  : { ok: false, reason: 'wrong_value', detail: 'not_verified' },
            };
          },
        };
        const where = { cabinet: 'central-a', session: 'session-1' };
        const bad = await tx((trx) =>
          verifyFactor(trx, context, 'p-ruiz', { kind: 'fingerprint', assertion: 'bad' }, where),
        );
        expect(bad).toEqual({ ok: false, kind: 'fingerprint', reason: 'wrong_value' });
        const good = await tx((trx) =>
          verifyFactor(trx, context, 'p-ruiz', { kind: 'fingerprint', assertion: 'good' }, where),
        );
        expect(good).toEqual({ ok: true, kind: 'fingerprint', credentialId: 'cred-1' });
        expect(sessions).toEqual(['session-1', 'session-1']);
        const [failed] = await auditRows(bed.db, ['auth.factor-failed']);
        expect(failed?.data).toEqual({
          kind: 'fingerprint',
          reason: 'wrong_value',
          detail: 'not_verified',
          consecutiveFailures: 1,
        });
        expectTypeOf<FingerprintFactorVerifier>().toExtend<FingerprintVerifier>();
      });

      it('gives the terminal the same through createFactorChecks', async () => {
        const checks = createFactorChecks(bed.context);
        expect(await checks.identifyByBadge(bed.db, '0001001')).toBe('p-ruiz');
        expect(await checks.lockedUntil(bed.db, 'p-ruiz')).toBeNull();
        await failPins('p-ruiz', 5);
        const until = await checks.lockedUntil(bed.db, 'p-ruiz');
        expect(until).toBe(new Date(bed.clock.now().getTime() + 5 * MINUTE).toISOString());
        const verdict = await tx((trx) =>
          checks.verify(trx, 'p-ruiz', { kind: 'pin', value: '583016' }, CABINET),
        );
        expect(verdict).toMatchObject({ ok: false, reason: 'locked_out' });
        const started = performance.now();
        await checks.spendVerificationTime('pin');
        expect(performance.now() - started).toBeGreaterThan(5);
      });
    });
  });
}
