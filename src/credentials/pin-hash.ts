/**
 * PINs are stored as argon2id hashes (PHC strings: `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), with
 * OWASP's minimum parameters: 19 MiB of memory, 2 passes, one lane. A verify takes some 40 ms here, which
 * bounds guessing against a stolen database; the lockout bounds guessing at the cabinet.
 */
import { randomInt } from 'node:crypto';
import { type Algorithm, hash, type Options, verify } from '@node-rs/argon2';
import { checkChosenPin, MAX_PIN_LENGTH } from '../domain/credentials/pin-rules.js';

// @node-rs/argon2 declares Algorithm as an ambient const enum, which isolatedModules cannot read: 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

export const PIN_HASH_OPTIONS: Readonly<Options> = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/**
 * A hash of a random value no one knows, made with PIN_HASH_OPTIONS: verifying anything against it costs
 * what verifying a real PIN costs, and never succeeds. Used for unknown people and missing PINs, so that the
 * time an answer takes does not tell them apart. Must change with PIN_HASH_OPTIONS (a test checks).
 */
export const DUMMY_PIN_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$7H8+pS8JkXsOaUHwe1/L4Q$gG3loLKBJpgeeN8Ucg26krnuNIshi3BmwYuQwvFKp4Q';

/** Longer input than any PIN is not hashed as given (argon2 would take it), only compared with the dummy. */
const LONGEST_INPUT = MAX_PIN_LENGTH * 4;

export function hashPin(pin: string): Promise<string> {
  return hash(pin, PIN_HASH_OPTIONS);
}

/** Whether `pin` matches `stored`; costs one argon2 verify whatever the input. */
export async function verifyPin(stored: string, pin: string): Promise<boolean> {
  if (pin.length > LONGEST_INPUT) {
    await verify(DUMMY_PIN_HASH, pin.slice(0, LONGEST_INPUT));
    return false;
  }
  try {
    return await verify(stored, pin);
  } catch {
    // A damaged hash fails the attempt rather than the request; spend the time all the same.
    await verify(DUMMY_PIN_HASH, pin);
    return false;
  }
}

/** Costs what verifying one PIN costs, and tells nothing. */
export async function spendPinVerificationTime(): Promise<void> {
  await verify(DUMMY_PIN_HASH, 'not-a-pin');
}

/**
 * A random PIN of `length` digits that the chosen-PIN rules would accept, from the system's CSPRNG.
 * @example randomPin() // '583016'
 */
export function randomPin(length = 6): string {
  for (;;) {
    let pin = '';
    for (let index = 0; index < length; index++) pin += String(randomInt(10));
    if (checkChosenPin(pin) === null) return pin;
  }
}
