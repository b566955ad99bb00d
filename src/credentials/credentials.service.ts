/**
 * Issuing and revoking a person's factors: PIN (argon2id hash), badges (normalised card numbers, any number
 * per person, each held by one person at a time), and an authenticator (TOTP seed sealed with the secrets
 * key). Functions take the caller's transaction; each change is audited in it, never with a secret: no PIN,
 * no seed, and badge numbers only by their last characters.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { badgeEnding, normalizeBadge } from '../domain/credentials/badge-number.js';
import { checkChosenPin } from '../domain/credentials/pin-rules.js';
import {
  checkTotpSettings,
  DEFAULT_TOTP_SETTINGS,
  encodeBase32,
  TOTP_SECRET_BYTES,
  type TotpAlgorithm,
  type TotpSettings,
  totpUri,
} from '../domain/credentials/totp.js';
import { KeywardenError } from '../domain/errors.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';
import {
  type CredentialKind,
  type CredentialRow,
  findLiveBadge,
  findLiveCredentials,
  findPerson,
  insertCredential,
  isUniqueViolation,
  listPersonCredentials,
  replaceLiveCredential,
  revokeCredentials,
} from './credentials.queries.js';
import { hashPin, randomPin } from './pin-hash.js';
import type { SecretBox } from './secret-box.js';

/** What seals and opens TOTP seeds: a SecretBox, or anything that behaves like one. */
export type SecretSealer = Pick<SecretBox, 'seal' | 'open'>;

export interface CredentialContext {
  audit: AuditLog;
  now: () => Date;
  secrets: SecretSealer;
}

/** Who makes a change, for the audit log: a person id, or 'cli' by default. */
export interface ActorOption {
  by?: string;
}

export type PinChoice = { random: true; length?: number } | { pin: string };

export interface CredentialSummary {
  id: string;
  kind: CredentialKind;
  /** Badges: the normalised number. */
  badge?: string;
  /** Authenticators: how codes are made. */
  totp?: TotpSettings;
  /** Fingerprints: the label given at enrolment. */
  label?: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The sealing context of a TOTP seed: its credential id, so a seed copied to another row does not open. */
export function totpSealContext(credentialId: string): string {
  return `credential:${credentialId}`;
}

async function requirePerson(trx: Kysely<DB>, person: string): Promise<{ id: string; name: string }> {
  const row = await findPerson(trx, person);
  if (!row) throw new KeywardenError('unknown_person', `person "${person}" is not in the directory`);
  return row;
}

/**
 * Sets a person's PIN, replacing any earlier one: random (`{ random: true }`: six digits from the CSPRNG
 * that pass the chosen-PIN rules; what the CLI does by default) or chosen (`{ pin }`, refused with
 * pin_refused when easy to guess). Returns the PIN so it can be shown once; it is stored only as an argon2id hash.
 * @example const { pin } = await setPin(trx, context, 'p-ruiz', { random: true }, { by: 'p-okafor' })
 */
export async function setPin(
  trx: Transaction<DB>,
  context: CredentialContext,
  person: string,
  choice: PinChoice,
  options: ActorOption = {},
): Promise<{ pin: string; credentialId: string }> {
  await requirePerson(trx, person);
  let pin: string;
  if ('pin' in choice) {
    const problem = checkChosenPin(choice.pin);
    if (problem) throw new KeywardenError('pin_refused', `PIN refused: ${problem}`);
    pin = choice.pin;
  } else {
    pin = randomPin(choice.length ?? 6);
  }
  const at = context.now().toISOString();
  const { id, replaced } = await replaceLiveCredential(trx, person, 'pin', at, async () => ({
    secret: await hashPin(pin),
    data: null,
  }));
  await context.audit.append(trx, {
    type: 'credential.pin-set',
    at,
    actor: options.by ?? 'cli',
    person,
    data: { credential: id, method: 'pin' in choice ? 'chosen' : 'random', replaced: replaced > 0 },
  });
  return { pin, credentialId: id };
}

function requireBadgeNumber(text: string): string {
  const result = normalizeBadge(text);
  if (!result.ok) throw new KeywardenError('badge_invalid', `not a badge number: ${result.reason}`);
  return result.number;
}

/**
 * Adds a badge to a person (a person may hold several). A number another person holds, or this person
 * already holds, is refused with badge_in_use.
 * @example await addBadge(trx, context, 'p-ruiz', '00-0a:1b:2c', { by: 'p-okafor' }) // { number: 'A1B2C', ... }
 */
export async function addBadge(
  trx: Transaction<DB>,
  context: CredentialContext,
  person: string,
  text: string,
  options: ActorOption = {},
): Promise<{ number: string; credentialId: string }> {
  await requirePerson(trx, person);
  const number = requireBadgeNumber(text);
  const holder = await findLiveBadge(trx, number);
  if (holder) throw badgeInUse(number, person, holder.person_id);
  const at = context.now().toISOString();
  const id = newId(Date.parse(at));
  try {
    await insertCredential(trx, {
      id,
      person_id: person,
      kind: 'badge',
      lookup: number,
      secret: null,
      data: null,
      counter: null,
      created_at: at,
      last_used_at: null,
      revoked_at: null,
    });
  } catch (error) {
    // Another transaction added the same number between our check and our insert.
    if (isUniqueViolation(error)) throw badgeInUse(number, person, null);
    throw error;
  }
  await context.audit.append(trx, {
    type: 'credential.badge-added',
    at,
    actor: options.by ?? 'cli',
    person,
    data: { credential: id, badge: badgeEnding(number) },
  });
  return { number, credentialId: id };
}

function badgeInUse(number: string, person: string, holder: string | null): KeywardenError {
  if (holder === person) {
    return new KeywardenError('badge_in_use', `badge ${number} is already ${person}'s`, { holder });
  }
  return new KeywardenError(
    'badge_in_use',
    holder
      ? `badge ${number} belongs to ${holder}: revoke it there first`
      : `badge ${number} belongs to someone else: revoke it there first`,
    holder ? { holder } : undefined,
  );
}

/** Revokes one of a person's badges; credential_not_found when they hold no live badge of that number. */
export async function revokeBadge(
  trx: Transaction<DB>,
  context: CredentialContext,
  person: string,
  text: string,
  options: ActorOption = {},
): Promise<{ number: string; credentialId: string }> {
  await requirePerson(trx, person);
  const number = requireBadgeNumber(text);
  const badge = await findLiveBadge(trx, number);
  if (!badge || badge.person_id !== person) {
    throw new KeywardenError('credential_not_found', `${person} holds no badge ${number}`);
  }
  const at = context.now().toISOString();
  await revokeCredentials(trx, [badge.id], at);
  await context.audit.append(trx, {
    type: 'credential.badge-revoked',
    at,
    actor: options.by ?? 'cli',
    person,
    data: { credential: badge.id, badge: badgeEnding(number) },
  });
  return { number, credentialId: badge.id };
}

/**
 * A person's credentials, without any secret: kinds, badge numbers, TOTP settings, dates. Live ones only
 * unless `includeRevoked`. Throws unknown_person.
 */
export async function listCredentials(
  db: Kysely<DB>,
  person: string,
  options: { includeRevoked?: boolean } = {},
): Promise<CredentialSummary[]> {
  await requirePerson(db, person);
  const rows = await listPersonCredentials(db, person, options);
  return rows.map(summarize);
}

function summarize(row: CredentialRow): CredentialSummary {
  return {
    id: row.id,
    kind: row.kind,
    ...(row.kind === 'badge' && row.lookup !== null ? { badge: row.lookup } : {}),
    ...(row.kind === 'totp' ? { totp: readTotpSettings(row) } : {}),
    ...(row.kind === 'fingerprint' ? { label: readLabel(row) } : {}),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function readLabel(row: Pick<CredentialRow, 'data'>): string | null {
  try {
    const label = row.data ? (JSON.parse(row.data) as { label?: unknown }).label : null;
    return typeof label === 'string' ? label : null;
  } catch {
    return null;
  }
}

/** The settings stored beside a TOTP seed (the defaults for anything missing). */
export function readTotpSettings(row: Pick<CredentialRow, 'data'>): TotpSettings {
  const data = row.data ? (JSON.parse(row.data) as Partial<TotpSettings>) : {};
  return {
    algorithm: data.algorithm ?? DEFAULT_TOTP_SETTINGS.algorithm,
    digits: data.digits ?? DEFAULT_TOTP_SETTINGS.digits,
    stepSeconds: data.stepSeconds ?? DEFAULT_TOTP_SETTINGS.stepSeconds,
  };
}

export interface EnrolTotpOptions extends ActorOption {
  algorithm?: TotpAlgorithm;
  digits?: number;
  stepSeconds?: number;
  /** Replace a live authenticator instead of refusing with totp_already_enrolled. */
  replace?: boolean;
  /** The name the authenticator app shows above the code. */
  issuer?: string;
  /** An existing seed to import (from another system); a fresh random one otherwise. */
  secret?: Uint8Array;
}

/**
 * Enrols an authenticator for a person: a random seed (the hash's output size: 20, 32 or 64 bytes), sealed
 * with the secrets key. Returns the seed in base32 and the otpauth URI, to be shown once (as a QR code).
 * @example const { uri } = await enrolTotp(trx, context, 'p-ruiz', { algorithm: 'SHA256', by: 'p-okafor' })
 */
export async function enrolTotp(
  trx: Transaction<DB>,
  context: CredentialContext,
  person: string,
  options: EnrolTotpOptions = {},
): Promise<{ secret: string; uri: string; settings: TotpSettings; credentialId: string }> {
  await requirePerson(trx, person);
  const settings: TotpSettings = {
    algorithm: options.algorithm ?? DEFAULT_TOTP_SETTINGS.algorithm,
    digits: options.digits ?? DEFAULT_TOTP_SETTINGS.digits,
    stepSeconds: options.stepSeconds ?? DEFAULT_TOTP_SETTINGS.stepSeconds,
  };
  const problem = checkTotpSettings(settings);
  if (problem) throw new KeywardenError('invalid_request', `cannot enrol an authenticator: ${problem}`);
  const seed = options.secret ?? randomBytes(TOTP_SECRET_BYTES[settings.algorithm]);
  if (seed.length < 16 || seed.length > 64) {
    throw new KeywardenError('invalid_request', `a TOTP seed has 16 to 64 bytes, not ${seed.length}`);
  }
  if (!options.replace && (await findLiveCredentials(trx, person, 'totp')).length > 0) {
    throw new KeywardenError(
      'totp_already_enrolled',
      `${person} already has an authenticator: revoke it first, or replace it`,
    );
  }
  const at = context.now().toISOString();
  const { id, replaced } = await replaceLiveCredential(trx, person, 'totp', at, (newCredential) => ({
    secret: context.secrets.seal(seed, totpSealContext(newCredential)),
    data: JSON.stringify(settings),
  }));
  await context.audit.append(trx, {
    type: 'credential.totp-enrolled',
    at,
    actor: options.by ?? 'cli',
    person,
    data: {
      credential: id,
      ...settings,
      imported: options.secret !== undefined,
      replaced: replaced > 0,
    },
  });
  return {
    secret: encodeBase32(seed),
    uri: totpUri({ issuer: options.issuer ?? 'Keywarden', account: person, secret: seed, settings }),
    settings,
    credentialId: id,
  };
}

/** Revokes a person's authenticator; credential_not_found when they have none. */
export async function revokeTotp(
  trx: Transaction<DB>,
  context: CredentialContext,
  person: string,
  options: ActorOption = {},
): Promise<{ credentialId: string }> {
  await requirePerson(trx, person);
  const live = await findLiveCredentials(trx, person, 'totp');
  const newest = live[0];
  if (!newest) throw new KeywardenError('credential_not_found', `${person} has no authenticator`);
  const at = context.now().toISOString();
  await revokeCredentials(
    trx,
    live.map((row) => row.id),
    at,
  );
  await context.audit.append(trx, {
    type: 'credential.totp-revoked',
    at,
    actor: options.by ?? 'cli',
    person,
    data: { credential: newest.id },
  });
  return { credentialId: newest.id };
}
