import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkTotpSettings,
  DEFAULT_TOTP_SETTINGS,
  decodeBase32,
  encodeBase32,
  hotpCode,
  parseTotpAlgorithm,
  type TotpAlgorithm,
  type TotpSettings,
  timeStepAt,
  totpCode,
  totpUri,
  verifyTotp,
} from './totp.js';
import { RFC4226_VECTORS, RFC6238_SEEDS, RFC6238_VECTORS } from './totp-vectors.testing.js';

const eightDigits = (algorithm: TotpAlgorithm): TotpSettings => ({ algorithm, digits: 8, stepSeconds: 30 });

describe('RFC 4226 (HOTP) test vectors', () => {
  it.each(RFC4226_VECTORS)('counter %i: truncated %i, code %s', async (counter, truncated, code) => {
    const secret = RFC6238_SEEDS.SHA1;
    expect(await hotpCode(secret, counter, { algorithm: 'SHA1', digits: 6 })).toBe(code);
    // Ten digits keep the whole 31-bit truncated value.
    expect(Number(await hotpCode(secret, counter, { algorithm: 'SHA1', digits: 10 }))).toBe(truncated);
  });
});

describe('RFC 6238 (TOTP) test vectors', () => {
  it.each(RFC6238_VECTORS)('at %i s (step %i): %s with %s', async (seconds, step, code, algorithm) => {
    const settings = eightDigits(algorithm);
    expect(timeStepAt(seconds * 1000)).toBe(step);
    expect(await totpCode(RFC6238_SEEDS[algorithm], seconds * 1000, settings)).toBe(code);
    expect(await verifyTotp(RFC6238_SEEDS[algorithm], code, seconds * 1000, settings)).toEqual({
      ok: true,
      step,
      drift: 0,
    });
  });
});

describe('verifyTotp', () => {
  const settings = eightDigits('SHA1');
  const secret = RFC6238_SEEDS.SHA1;
  const at = 1111111111_000; // step 0x23523ed, code 14050471

  it('accepts a code one step early or late, and says which step it matched', async () => {
    expect(await verifyTotp(secret, '14050471', at + 30_000, settings)).toEqual({
      ok: true,
      step: 0x23523ed,
      drift: -1,
    });
    expect(await verifyTotp(secret, '14050471', at - 30_000, settings)).toEqual({
      ok: true,
      step: 0x23523ed,
      drift: 1,
    });
  });

  it('refuses a code two steps away', async () => {
    expect(await verifyTotp(secret, '14050471', at + 60_000, settings)).toEqual({
      ok: false,
      reason: 'wrong_code',
    });
    expect(await verifyTotp(secret, '14050471', at - 60_000, settings)).toEqual({
      ok: false,
      reason: 'wrong_code',
    });
  });

  it('calls a code of a step already used replayed, and accepts the next step', async () => {
    const step = 0x23523ed;
    expect(await verifyTotp(secret, '14050471', at, settings, { lastUsedStep: step })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    expect(await verifyTotp(secret, '14050471', at, settings, { lastUsedStep: step + 1 })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    const next = await totpCode(secret, at + 30_000, settings);
    expect(await verifyTotp(secret, next, at, settings, { lastUsedStep: step })).toEqual({
      ok: true,
      step: step + 1,
      drift: 1,
    });
  });

  it.each(['', '1405047', '140504711', 'abcdefgh', '14050472', ' 14050470'])('refuses %j', async (code) => {
    expect(await verifyTotp(secret, code, at, settings)).toEqual({ ok: false, reason: 'wrong_code' });
  });

  it('accepts the code it generates, at any instant, for any algorithm and length', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 20, maxLength: 64 }),
        fc.integer({ min: 30_000, max: 4_000_000_000_000 }),
        fc.constantFrom<TotpAlgorithm>('SHA1', 'SHA256', 'SHA512'),
        fc.integer({ min: 6, max: 8 }),
        fc.integer({ min: -1, max: 1 }),
        async (secret, at, algorithm, digits, drift) => {
          const settings = { algorithm, digits, stepSeconds: 30 };
          const code = await totpCode(secret, at + drift * 30_000, settings);
          const check = await verifyTotp(secret, code, at, settings);
          expect(check.ok).toBe(true);
          if (check.ok) expect(check.step).toBeGreaterThanOrEqual(timeStepAt(at) - 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('settings, base32 and the otpauth URI', () => {
  it.each([
    [{ ...DEFAULT_TOTP_SETTINGS }, null],
    [{ algorithm: 'SHA512', digits: 8, stepSeconds: 60 }, null],
    [
      { algorithm: 'MD5', digits: 6, stepSeconds: 30 },
      'the algorithm is one of SHA1, SHA256, SHA512, not "MD5"',
    ],
    [{ algorithm: 'SHA1', digits: 5, stepSeconds: 30 }, 'a code has 6 to 8 digits, not 5'],
    [{ algorithm: 'SHA1', digits: 6, stepSeconds: 10 }, 'a time step is 15 to 300 seconds, not 10'],
  ])('checks %j', (settings, problem) => {
    expect(checkTotpSettings(settings as TotpSettings)).toBe(problem);
  });

  it.each([
    ['sha1', 'SHA1'],
    ['SHA-256', 'SHA256'],
    ['Sha512', 'SHA512'],
    ['md5', null],
  ])('reads the algorithm %j as %j', (text, algorithm) => {
    expect(parseTotpAlgorithm(text)).toBe(algorithm);
  });

  it('writes base32 without padding and reads it back, forgiving case and spaces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const text = encodeBase32(bytes);
        expect(text).toMatch(/^[A-Z2-7]+$/);
        expect(decodeBase32(text)).toEqual(bytes);
        expect(decodeBase32(text.toLowerCase().replace(/(.{4})/g, '$1 '))).toEqual(bytes);
      }),
    );
    expect(encodeBase32(RFC6238_SEEDS.SHA1)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('builds an otpauth URI an authenticator app reads', () => {
    const text = totpUri({
      issuer: 'Keywarden Riverside',
      account: 'p-ruiz',
      secret: RFC6238_SEEDS.SHA256,
      settings: { algorithm: 'SHA256', digits: 8, stepSeconds: 30 },
    });
    expect(text.startsWith('otpauth://totp/Keywarden%20Riverside:p-ruiz?')).toBe(true);
    const uri = new URL(text);
    expect(uri.searchParams.get('secret')).toBe(encodeBase32(RFC6238_SEEDS.SHA256));
    expect(uri.searchParams.get('issuer')).toBe('Keywarden Riverside');
    expect(uri.searchParams.get('algorithm')).toBe('SHA256');
    expect(uri.searchParams.get('digits')).toBe('8');
  });
});
