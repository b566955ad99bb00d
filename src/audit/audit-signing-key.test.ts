import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuditKeyError,
  DEFAULT_AUDIT_KEY_PATH,
  findAuditPublicKey,
  loadAuditSigningKey,
  loadOrCreateAuditSigningKey,
  publicKeyPathFor,
  readAuditPublicKey,
  resolveAuditKeyPath,
} from './audit-signing-key.js';

describe('audit signing key file', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-key-test-'));
    path = join(dir, 'keys', 'audit-signing-key.pem');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it('is created at first start with mode 0600, beside its public key', () => {
    const key = loadOrCreateAuditSigningKey({ path });
    expect(key.created).toBe(true);
    expect(key.warnings).toEqual([]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(key.publicKeyPath).toBe(join(dir, 'keys', 'audit-signing-key.pub.pem'));
    expect(readFileSync(key.publicKeyPath, 'utf8')).toBe(key.publicKeyPem);
    expect(readFileSync(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(key.privateKey.asymmetricKeyType).toBe('ed25519');
  });

  it('is the same key at every later start', () => {
    const first = loadOrCreateAuditSigningKey({ path });
    const again = loadOrCreateAuditSigningKey({ path });
    expect(again.created).toBe(false);
    expect(again.keyId).toBe(first.keyId);
    expect(loadAuditSigningKey(path).keyId).toBe(first.keyId);
  });

  it('has the SHA-256 of the public key DER as its id', () => {
    const key = loadOrCreateAuditSigningKey({ path });
    const der = createPublicKey(key.publicKeyPem).export({ format: 'der', type: 'spki' });
    expect(key.keyId).toBe(createHash('sha256').update(der).digest('hex'));
  });

  it('takes its path from the option, then KEYWARDEN_AUDIT_KEY, then ./data', () => {
    vi.stubEnv('KEYWARDEN_AUDIT_KEY', undefined);
    expect(resolveAuditKeyPath()).toBe(DEFAULT_AUDIT_KEY_PATH);
    vi.stubEnv('KEYWARDEN_AUDIT_KEY', path);
    expect(resolveAuditKeyPath()).toBe(path);
    expect(resolveAuditKeyPath('/etc/keywarden/audit.pem')).toBe('/etc/keywarden/audit.pem');
    expect(loadOrCreateAuditSigningKey().path).toBe(path);
    expect(publicKeyPathFor('/k/audit.key')).toBe('/k/audit.key.pub.pem');
  });

  it('writes its public key again when the .pub.pem was lost, and finds it either way', () => {
    const key = loadOrCreateAuditSigningKey({ path });
    expect(findAuditPublicKey(path)?.keyId).toBe(key.keyId);
    unlinkSync(key.publicKeyPath);
    expect(findAuditPublicKey(path)?.keyId).toBe(key.keyId);
    loadAuditSigningKey(path);
    expect(existsSync(key.publicKeyPath)).toBe(true);
    expect(readAuditPublicKey(key.publicKeyPath).keyId).toBe(key.keyId);
    expect(findAuditPublicKey(join(dir, 'none.pem'))).toBeNull();
  });

  it('warns when others can read the key file or the .pub.pem names another key', () => {
    loadOrCreateAuditSigningKey({ path });
    chmodSync(path, 0o644);
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    writeFileSync(publicKeyPathFor(path), other);
    const warnings = loadAuditSigningKey(path).warnings.join('\n');
    expect(warnings).toMatch(/can be read by other users/);
    expect(warnings).toMatch(/does not hold the public key/);
  });

  it('refuses a key of another kind, or no key at all', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    writeFileSync(join(dir, 'rsa.pem'), rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(() => loadAuditSigningKey(join(dir, 'rsa.pem'))).toThrow(/rsa key, not an Ed25519 key/);
    writeFileSync(join(dir, 'junk.pem'), 'junk');
    expect(() => readAuditPublicKey(join(dir, 'junk.pem'))).toThrow(AuditKeyError);
    expect(() => loadAuditSigningKey(join(dir, 'absent.pem'))).toThrow(
      /cannot read the audit signing key .*ENOENT/,
    );
  });
});
