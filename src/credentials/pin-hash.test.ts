import { parseOptions, verify } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { checkChosenPin } from '../domain/credentials/pin-rules.js';
import { DUMMY_PIN_HASH, hashPin, PIN_HASH_OPTIONS, randomPin, verifyPin } from './pin-hash.js';

describe('PIN hashes', () => {
  it('have a dummy made with the same parameters as real ones, so both cost the same to verify', () => {
    expect(parseOptions(DUMMY_PIN_HASH)).toMatchObject({
      algorithm: PIN_HASH_OPTIONS.algorithm,
      memoryCost: PIN_HASH_OPTIONS.memoryCost,
      timeCost: PIN_HASH_OPTIONS.timeCost,
      parallelism: PIN_HASH_OPTIONS.parallelism,
    });
  });

  it('verify the right PIN only, and survive a damaged hash or an overlong input', async () => {
    const stored = await hashPin('583016');
    expect(stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(await verify(stored, '583016')).toBe(true);
    expect(await verifyPin(stored, '583016')).toBe(true);
    expect(await verifyPin(stored, '583017')).toBe(false);
    expect(await verifyPin('not a hash', '583016')).toBe(false);
    expect(await verifyPin(stored, '5'.repeat(10_000))).toBe(false);
  });

  it('are random six-digit PINs the chosen-PIN rules accept', () => {
    const pins = Array.from({ length: 200 }, () => randomPin());
    for (const pin of pins) {
      expect(pin).toMatch(/^[0-9]{6}$/);
      expect(checkChosenPin(pin)).toBeNull();
    }
    expect(new Set(pins).size).toBeGreaterThan(190);
    expect(randomPin(8)).toMatch(/^[0-9]{8}$/);
  });
});
