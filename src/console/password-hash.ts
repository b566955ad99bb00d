/**
 * Console passwords are stored as argon2id hashes with the PIN's parameters (OWASP's minimum: 19 MiB,
 * 2 passes, one lane; src/credentials/pin-hash.ts). A verify costs the same whether the person exists, has
 * a password, or typed 256 characters, so timing tells nothing.
 */
import { hash, verify } from '@node-rs/argon2';
import { DUMMY_PIN_HASH, PIN_HASH_OPTIONS } from '../credentials/pin-hash.js';
import { MAX_PASSWORD_LENGTH } from '../domain/console/password-rules.js';

export function hashPassword(password: string): Promise<string> {
  return hash(password, PIN_HASH_OPTIONS);
}

/** Whether `password` matches `stored` (null: no password; the same time is spent and false returned). */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  // Longer input than any accepted password is compared (cut) with the dummy, never hashed whole.
  const input =
    [...password].length > MAX_PASSWORD_LENGTH ? password.slice(0, MAX_PASSWORD_LENGTH) : password;
  if (stored === null || input !== password) {
    await verify(DUMMY_PIN_HASH, input);
    return false;
  }
  try {
    return await verify(stored, input);
  } catch {
    await verify(DUMMY_PIN_HASH, input);
    return false;
  }
}
