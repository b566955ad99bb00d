/**
 * Authenticator codes: TOTP (RFC 6238) over HOTP (RFC 4226), computed by otplib. A code is checked at the
 * current time step and one step either side (clock tolerance), and the step it matched is returned so that
 * the caller can refuse a step at or before the last one accepted: each code works once. Pure computation,
 * no I/O, no clock: the instant is an argument.
 */
import { generate, generateURI, ScureBase32Plugin } from 'otplib';

export const TOTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export type TotpAlgorithm = (typeof TOTP_ALGORITHMS)[number];

export interface TotpSettings {
  algorithm: TotpAlgorithm;
  /** 6 to 8; authenticator apps show 6 unless told otherwise. */
  digits: number;
  /** Seconds per time step; 30 is what every app assumes. */
  stepSeconds: number;
}

export const DEFAULT_TOTP_SETTINGS: Readonly<TotpSettings> = Object.freeze({
  algorithm: 'SHA1',
  digits: 6,
  stepSeconds: 30,
});

/** Steps accepted either side of the current one: one step of clock tolerance. */
export const TOTP_WINDOW = 1;

/** Secret sizes by algorithm: the hash's output size, as RFC 6238's own test seeds (20, 32, 64 bytes). */
export const TOTP_SECRET_BYTES: Readonly<Record<TotpAlgorithm, number>> = Object.freeze({
  SHA1: 20,
  SHA256: 32,
  SHA512: 64,
});

export type TotpCheck =
  | { ok: true; step: number; drift: number }
  | { ok: false; reason: 'wrong_code' | 'replayed' };

const base32 = new ScureBase32Plugin();

const OTPLIB_ALGORITHM = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' } as const;

/** Reads an algorithm name as people write it (`sha256`, `SHA-256`); null when it is not one. */
export function parseTotpAlgorithm(text: string): TotpAlgorithm | null {
  const name = text.toUpperCase().replace('-', '');
  return (TOTP_ALGORITHMS as readonly string[]).includes(name) ? (name as TotpAlgorithm) : null;
}

/** Why settings are unusable, or null. */
export function checkTotpSettings(settings: TotpSettings): string | null {
  if (!TOTP_ALGORITHMS.includes(settings.algorithm)) {
    return `the algorithm is one of ${TOTP_ALGORITHMS.join(', ')}, not "${settings.algorithm}"`;
  }
  if (!Number.isInteger(settings.digits) || settings.digits < 6 || settings.digits > 8) {
    return `a code has 6 to 8 digits, not ${settings.digits}`;
  }
  if (!Number.isInteger(settings.stepSeconds) || settings.stepSeconds < 15 || settings.stepSeconds > 300) {
    return `a time step is 15 to 300 seconds, not ${settings.stepSeconds}`;
  }
  return null;
}

/**
 * The time step an instant falls in (RFC 6238's T, with T0 = 0).
 * @example timeStepAt(59_000) // 1
 */
export function timeStepAt(epochMs: number, stepSeconds: number = DEFAULT_TOTP_SETTINGS.stepSeconds): number {
  return Math.floor(epochMs / 1000 / stepSeconds);
}

/**
 * The HOTP value (RFC 4226) of a counter.
 * @example await hotpCode(bytes('12345678901234567890'), 0, { algorithm: 'SHA1', digits: 6 }) // '755224'
 */
export function hotpCode(
  secret: Uint8Array,
  counter: number,
  settings: Pick<TotpSettings, 'algorithm' | 'digits'>,
): Promise<string> {
  return generate({
    strategy: 'hotp',
    secret,
    counter,
    algorithm: OTPLIB_ALGORITHM[settings.algorithm],
    digits: settings.digits,
  });
}

/**
 * The TOTP code at an instant (RFC 6238).
 * @example await totpCode(bytes('12345678901234567890'), 59_000, { algorithm: 'SHA1', digits: 8, stepSeconds: 30 }) // '94287082'
 */
export function totpCode(secret: Uint8Array, epochMs: number, settings: TotpSettings): Promise<string> {
  return hotpCode(secret, timeStepAt(epochMs, settings.stepSeconds), settings);
}

/**
 * Checks a code at an instant, one step either side. Every step in the window is computed and compared in
 * constant time, whatever matches. A code that matches only steps at or before `lastUsedStep` is `replayed`.
 * @example await verifyTotp(secret, '94287082', 59_000, settings, { lastUsedStep: null }) // { ok: true, step: 1, drift: 0 }
 */
export async function verifyTotp(
  secret: Uint8Array,
  code: string,
  epochMs: number,
  settings: TotpSettings,
  options: { lastUsedStep?: number | null; window?: number } = {},
): Promise<TotpCheck> {
  const window = options.window ?? TOTP_WINDOW;
  const current = timeStepAt(epochMs, settings.stepSeconds);
  const candidate = code.trim();
  // Current step first, then the nearest: the step reported is the likeliest one the person read.
  const steps = [current];
  for (let distance = 1; distance <= window; distance++) steps.push(current - distance, current + distance);
  let matched: number | null = null;
  let replayed = false;
  for (const step of steps) {
    if (step < 0) continue;
    const expected = await hotpCode(secret, step, settings);
    if (!equalInConstantTime(expected, candidate)) continue;
    if (options.lastUsedStep != null && step <= options.lastUsedStep) replayed = true;
    else matched ??= step;
  }
  if (matched !== null) return { ok: true, step: matched, drift: matched - current };
  return { ok: false, reason: replayed ? 'replayed' : 'wrong_code' };
}

/**
 * The `otpauth://` URI an authenticator app reads from a QR code (Google Authenticator key URI format).
 * @example totpUri({ issuer: 'Keywarden', account: 'p-ruiz', secret, settings: DEFAULT_TOTP_SETTINGS })
 * // 'otpauth://totp/Keywarden:p-ruiz?secret=...&issuer=Keywarden'
 */
export function totpUri(input: {
  issuer: string;
  account: string;
  secret: Uint8Array;
  settings: TotpSettings;
}): string {
  return generateURI({
    issuer: input.issuer,
    label: input.account,
    secret: encodeBase32(input.secret),
    algorithm: OTPLIB_ALGORITHM[input.settings.algorithm],
    digits: input.settings.digits,
    period: input.settings.stepSeconds,
  });
}

/** Base32 (RFC 4648) without padding, as authenticator apps expect. */
export function encodeBase32(bytes: Uint8Array): string {
  return base32.encode(bytes, { padding: false });
}

/** Reads base32, forgiving case, spaces and padding as people copy it; throws on other characters. */
export function decodeBase32(text: string): Uint8Array {
  return base32.decode(text.toUpperCase().replace(/[\s=-]/g, ''));
}

function equalInConstantTime(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < a.length; index++) {
    difference |= a.charCodeAt(index) ^ (index < b.length ? b.charCodeAt(index) : 0);
  }
  return difference === 0;
}
