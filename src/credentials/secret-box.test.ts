import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SECRETS_KEY_PATH, resolveSecretsKeyPath, SecretBox, SecretsKeyError } from './secret-box.js';

describe('the secrets key and sealed secrets', () => {
  let dir: string;
  let path: string;
  const seed = new Uint8Array(Array.from({ length: 20 }, (_, i) => i + 1));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-secrets-'));
    path = join(dir, 'keys', 'secrets.key');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    vi.unstubAllEnvs();
  });

  it('creates the key file at first seal, with mode 0600 in a 0700 directory', () => {
    const box = new SecretBox({ path });
    expect(existsSync(path)).toBe(false);
    box.seal(seed, 'credential:1');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(box.warnings).toEqual([]);
  });

  it('opens what it sealed, with the same context, in another instance reading the same file', () => {
    const sealed = new SecretBox({ path }).seal(seed, 'credential:1');
    expect(sealed).toMatch(/^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(new Uint8Array(new SecretBox({ path }).open(sealed, 'credential:1'))).toEqual(seed);
  });

  it('seals the same secret differently each time (a fresh nonce)', () => {
    const box = new SecretBox({ path });
    expect(box.seal(seed, 'c')).not.toBe(box.seal(seed, 'c'));
  });

  it('refuses another context, an altered ciphertext, another key and an unknown format', () => {
    const box = new SecretBox({ path });
    const sealed = box.seal(seed, 'credential:1');
    expect(() => box.open(sealed, 'credential:2')).toThrow(SecretsKeyError);
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3] as string, 'base64url');
    ciphertext[0] = (ciphertext[0] as number) ^ 1;
    parts[3] = ciphertext.toString('base64url');
    expect(() => box.open(parts.join('.'), 'credential:1')).toThrow(/altered/);
    const other = new SecretBox({ path: join(dir, 'other.key') });
    other.seal(seed, 'x');
    expect(() => other.open(sealed, 'credential:1')).toThrow(/another secrets key/);
    expect(() => box.open(`v2${sealed.slice(2)}`, 'credential:1')).toThrow(/not in a known format/);
  });

  it('never creates a key to open a secret: a missing key file is an error that says what to do', () => {
    const sealed = new SecretBox({ path }).seal(seed, 'c');
    const missing = new SecretBox({ path: join(dir, 'missing.key') });
    expect(() => missing.open(sealed, 'c')).toThrow(/is missing: .*restore it from its backup/);
    expect(existsSync(join(dir, 'missing.key'))).toBe(false);
  });

  it('refuses a file that is not a key, and warns when others can read it', () => {
    writeFileSync(path.replace('keys/', ''), 'not a key\n', { mode: 0o600 });
    expect(() => new SecretBox({ path: path.replace('keys/', '') }).seal(seed, 'c')).toThrow(
      /is not a secrets key/,
    );
    const loose = join(dir, 'loose.key');
    writeFileSync(loose, `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o644 });
    const box = new SecretBox({ path: loose });
    box.seal(seed, 'c');
    expect(box.warnings).toEqual([`the secrets key ${loose} can be read by other users: chmod 600 it`]);
  });

  it('finds the key file by option, then KEYWARDEN_SECRETS_KEY, then ./data/secrets.key', () => {
    vi.stubEnv('KEYWARDEN_SECRETS_KEY', '');
    delete process.env.KEYWARDEN_SECRETS_KEY;
    expect(resolveSecretsKeyPath()).toBe(DEFAULT_SECRETS_KEY_PATH);
    vi.stubEnv('KEYWARDEN_SECRETS_KEY', '/etc/keywarden/secrets.key');
    expect(resolveSecretsKeyPath()).toBe('/etc/keywarden/secrets.key');
    expect(resolveSecretsKeyPath('/x.key')).toBe('/x.key');
  });
});
