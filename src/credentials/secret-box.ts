/**
 * Encryption at rest for secrets the system must read back (TOTP seeds): AES-256-GCM with a key kept in a
 * file outside the database, so that a copy of the database (a backup, a dump, a stolen disk image of the
 * database server) does not give away anyone's authenticator. Back the key file up apart from the database:
 * without it no stored TOTP secret can be read, and everyone must enrol again.
 *
 * The key file (default ./data/secrets.key, or KEYWARDEN_SECRETS_KEY) holds 32 random bytes in base64 and is
 * created at first use with mode 0600 (in a 0700 directory when new), exclusively, so two processes starting
 * at once agree on one key. Reading a secret never creates a key: a new key could not open old secrets.
 *
 * Sealed format, versioned so that the algorithm or key can change later:
 *   v1.<key id>.<nonce>.<ciphertext>.<tag>
 * with base64url parts, a 96-bit random nonce, a 128-bit tag, and the key id the first 16 hex digits of
 * SHA-256 of the key (to say "wrong key file" rather than "altered"). The caller's `context` (the credential
 * id) is bound in as associated data, so a sealed secret copied onto another row does not open there.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const DEFAULT_SECRETS_KEY_PATH = './data/secrets.key';

const VERSION = 'v1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretsKeyError extends Error {
  override name = 'SecretsKeyError';
}

/** The key file to use: the option, then KEYWARDEN_SECRETS_KEY, then ./data/secrets.key. */
export function resolveSecretsKeyPath(option?: string): string {
  return option ?? process.env.KEYWARDEN_SECRETS_KEY ?? DEFAULT_SECRETS_KEY_PATH;
}

interface LoadedKey {
  key: Buffer;
  id: string;
}

/**
 * Seals and opens secrets with the key file. The file is read (or created, by `seal`) at first use, not at
 * construction, so commands that never touch a secret never create a key file.
 * @example const box = new SecretBox(); const sealed = box.seal(seed, `credential:${id}`)
 */
export class SecretBox {
  readonly path: string;
  /** Problems worth logging, such as a key file others can read. */
  readonly warnings: string[] = [];
  private loaded: LoadedKey | null = null;

  constructor(options: { path?: string } = {}) {
    this.path = resolveSecretsKeyPath(options.path);
  }

  /** Encrypts `plaintext`, bound to `context`; creates the key file when there is none yet. */
  seal(plaintext: Uint8Array, context: string): string {
    const { key, id } = this.loadKey(true);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      id,
      nonce.toString('base64url'),
      ciphertext.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  /** Decrypts what `seal` wrote with the same `context`; throws SecretsKeyError when it cannot. */
  open(sealed: string, context: string): Buffer {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new SecretsKeyError(`the stored secret is not in a known format (expected ${VERSION}.…)`);
    }
    const [, keyId, nonceText, ciphertextText, tagText] = parts as [string, string, string, string, string];
    const { key, id } = this.loadKey(false);
    if (keyId !== id) {
      throw new SecretsKeyError(
        `the stored secret was sealed with another secrets key (key id ${keyId}, this one is ${id} at ${this.path})`,
      );
    }
    const nonce = Buffer.from(nonceText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretsKeyError('the stored secret is damaged');
    }
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(context));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]);
    } catch {
      throw new SecretsKeyError('the stored secret was altered or belongs to another credential');
    }
  }

  /** The key's id (16 hex digits); loads the key, creating none. */
  keyId(): string {
    return this.loadKey(false).id;
  }

  private loadKey(create: boolean): LoadedKey {
    if (this.loaded) return this.loaded;
    if (!existsSync(this.path)) {
      if (!create) {
        throw new SecretsKeyError(
          `the secrets key ${this.path} is missing: stored TOTP secrets cannot be read without it (restore it from its backup, or set KEYWARDEN_SECRETS_KEY)`,
        );
      }
      this.loaded = this.createKeyFile();
      return this.loaded;
    }
    this.loaded = this.readKeyFile();
    return this.loaded;
  }

  private createKeyFile(): LoadedKey {
    const key = randomBytes(KEY_BYTES);
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(this.path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return this.readKeyFile();
      throw new SecretsKeyError(`cannot create the secrets key ${this.path}: ${(error as Error).message}`);
    }
    // The umask cannot widen 0600, but be explicit, as for the audit signing key.
    chmodSync(this.path, 0o600);
    return { key, id: keyIdOf(key) };
  }

  private readKeyFile(): LoadedKey {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      throw new SecretsKeyError(
        `cannot read the secrets key ${this.path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== KEY_BYTES || key.toString('base64') !== text.trim()) {
      throw new SecretsKeyError(`${this.path} is not a secrets key (32 bytes in base64)`);
    }
    if (process.platform !== 'win32' && (statSync(this.path).mode & 0o077) !== 0) {
      this.warnings.push(`the secrets key ${this.path} can be read by other users: chmod 600 it`);
    }
    return { key, id: keyIdOf(key) };
  }
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function associatedData(context: string): Buffer {
  return Buffer.from(`keywarden-secret-${VERSION}|${context}`, 'utf8');
}
