/**
 * The Ed25519 key that signs audit checkpoints. It lives in a PEM file outside the database, so that someone
 * who can rewrite the database cannot also re-sign the checkpoints; back it up apart from database backups.
 * The file is created at first start (mode 0600), with the public key beside it (`*.pub.pem`) for auditors.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { publicKeyId } from '../domain/audit/verify-chain.js';

export const DEFAULT_AUDIT_KEY_PATH = './data/audit-signing-key.pem';

export interface AuditPublicKey {
  publicKey: KeyObject;
  /** SPKI PEM, as written to the `.pub.pem` file and into exports. */
  publicKeyPem: string;
  /** SHA-256 (hex) of the public key's DER. */
  keyId: string;
}

export interface AuditSigningKey extends AuditPublicKey {
  privateKey: KeyObject;
  path: string;
  publicKeyPath: string;
  /** True when this call created the key file. */
  created: boolean;
  /** Problems worth logging, such as a key file others can read. */
  warnings: string[];
}

export class AuditKeyError extends Error {
  override name = 'AuditKeyError';
}

/** The key file to use: the option, then KEYWARDEN_AUDIT_KEY, then ./data/audit-signing-key.pem. */
export function resolveAuditKeyPath(option?: string): string {
  return option ?? process.env.KEYWARDEN_AUDIT_KEY ?? DEFAULT_AUDIT_KEY_PATH;
}

/** Where the public key of a key file lives: `x.pem` -> `x.pub.pem`. */
export function publicKeyPathFor(keyPath: string): string {
  return keyPath.endsWith('.pem') ? `${keyPath.slice(0, -'.pem'.length)}.pub.pem` : `${keyPath}.pub.pem`;
}

/** Reads a public key (SPKI PEM, or a private key PEM from which it is derived). */
export function parseAuditPublicKey(pem: string, source = 'the public key'): AuditPublicKey {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(pem);
  } catch (error) {
    throw new AuditKeyError(`${source} is not a PEM public key: ${(error as Error).message}`);
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditKeyError(`${source} is a ${publicKey.asymmetricKeyType} key, not an Ed25519 key`);
  }
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { publicKey, publicKeyPem, keyId: publicKeyId(publicKey) };
}

/** Reads a public key file (`--public-key FILE`). */
export function readAuditPublicKey(path: string): AuditPublicKey {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AuditKeyError(
      `cannot read the public key ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  return parseAuditPublicKey(pem, path);
}

/**
 * The public key of the signing key at `keyPath`: its `.pub.pem`, or derived from the key file itself.
 * Returns null when neither exists (a server that never started).
 */
export function findAuditPublicKey(keyPath: string): AuditPublicKey | null {
  for (const path of [publicKeyPathFor(keyPath), keyPath]) {
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    return parseAuditPublicKey(pem, path);
  }
  return null;
}

/** Loads the signing key; throws when the file is absent. */
export function loadAuditSigningKey(path: string = resolveAuditKeyPath()): AuditSigningKey {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AuditKeyError(
      `cannot read the audit signing key ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  return fromPrivatePem(pem, path, false);
}

/**
 * Loads the signing key, creating it (mode 0600, in a 0700 directory when new) at first start. Safe when
 * two processes start at once: the file is created exclusively and the loser reads the winner's key.
 * @example const key = loadOrCreateAuditSigningKey({ path: process.env.KEYWARDEN_AUDIT_KEY })
 */
export function loadOrCreateAuditSigningKey(options: { path?: string } = {}): AuditSigningKey {
  const path = resolveAuditKeyPath(options.path);
  if (existsSync(path)) return loadAuditSigningKey(path);
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadAuditSigningKey(path);
    throw new AuditKeyError(`cannot create the audit signing key ${path}: ${(error as Error).message}`);
  }
  // The umask cannot widen 0600, but a pre-set default ACL or odd umask could narrow it oddly: be explicit.
  chmodSync(path, 0o600);
  return fromPrivatePem(pem, path, true);
}

function fromPrivatePem(pem: string, path: string, created: boolean): AuditSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new AuditKeyError(`${path} is not a PEM private key: ${(error as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditKeyError(`${path} is a ${privateKey.asymmetricKeyType} key, not an Ed25519 key`);
  }
  const publicKey = parseAuditPublicKey(
    createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString(),
  );
  const warnings: string[] = [];
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    warnings.push(`the audit signing key ${path} can be read by other users: chmod 600 it`);
  }
  const publicKeyPath = publicKeyPathFor(path);
  writePublicKeyIfNeeded(publicKeyPath, publicKey, warnings);
  return { ...publicKey, privateKey, path, publicKeyPath, created, warnings };
}

/** Keeps the `.pub.pem` beside the key: written when absent, reported when it names another key. */
function writePublicKeyIfNeeded(path: string, key: AuditPublicKey, warnings: string[]): void {
  let existing: string | null = null;
  try {
    existing = readFileSync(path, 'utf8');
  } catch {
    existing = null;
  }
  if (existing === null) {
    try {
      writeFileSync(path, key.publicKeyPem, { mode: 0o644 });
    } catch (error) {
      warnings.push(`cannot write the public key ${path}: ${(error as Error).message}`);
    }
    return;
  }
  let existingId: string | null = null;
  try {
    existingId = parseAuditPublicKey(existing).keyId;
  } catch {
    existingId = null;
  }
  if (existingId !== key.keyId) {
    warnings.push(`${path} does not hold the public key of the audit signing key (key id ${key.keyId})`);
  }
}
