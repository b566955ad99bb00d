/**
 * The running system's parts, built once from a database URL: the store (migrated), the audit log, the
 * active-policy cache and the clock. The CLI and the server both start from here.
 */
import { AuditCheckpoints } from '../audit/audit-checkpoints.js';
import { AuditLog } from '../audit/audit-log.js';
import { type AuditSigningKey, loadOrCreateAuditSigningKey } from '../audit/audit-signing-key.js';
import { type CredentialFactorChecks, createFactorChecks } from '../credentials/factor-verification.js';
import { SecretBox } from '../credentials/secret-box.js';
import { type RelyingParty, relyingPartyFromEnv } from '../credentials/webauthn-config.js';
import { fingerprintFactorVerifier } from '../credentials/webauthn-factor.js';
import { InProcessLiveEvents, type LiveEvents } from '../live/live-events.js';
import { closeEmailConnections } from '../notifications/channels/email-channel.js';
import { ActivePolicyCache } from '../policy/active-policy.js';
import { openStore, resolveDatabaseUrl, type Store } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { publicBaseUrl } from './public-url.js';

export interface AppContext {
  store: Store;
  audit: AuditLog;
  /** Signs checkpoints of the audit chain with the key file kept outside the database. */
  checkpoints: AuditCheckpoints;
  auditKey: AuditSigningKey;
  policies: ActivePolicyCache;
  now: () => Date;
  /** Seals TOTP secrets with a key file kept outside the database. */
  secrets: SecretBox;
  /** The WebAuthn relying party (rpID and allowed origins) for fingerprints. */
  rp: RelyingParty;
  /** Factor checks for cabinet terminals: verify, lockout, identify by badge. */
  factors: CredentialFactorChecks;
  /** Wakes listeners after a commit (dispatcher, waiting terminals, console inbox); see src/live. */
  live: LiveEvents;
  /** Where people reach this server, for links in messages (KEYWARDEN_PUBLIC_URL). */
  publicUrl: string;
  close(): Promise<void>;
}

export interface AppContextOptions {
  /** `--db` option; KEYWARDEN_DB and the embedded default otherwise. */
  db?: string;
  now?: () => Date;
  /** Path of the audit signing key file; KEYWARDEN_AUDIT_KEY, else ./data/audit-signing-key.pem. */
  auditKey?: string;
  /** Path of the secrets key file; KEYWARDEN_SECRETS_KEY, else ./data/secrets.key. */
  secretsKey?: string;
  /** The port the server listens on, for the default WebAuthn origin (http://localhost:PORT). */
  port?: number;
}

/** Opens the database, brings it to the latest schema and assembles the services' context. */
export async function openAppContext(options: AppContextOptions = {}): Promise<AppContext> {
  const store = openStore(resolveDatabaseUrl(options.db));
  try {
    await migrateToLatest(store.db);
  } catch (error) {
    await store.close();
    throw error;
  }
  const now = options.now ?? (() => new Date());
  let auditKey: AuditSigningKey;
  try {
    auditKey = loadOrCreateAuditSigningKey({ path: options.auditKey });
  } catch (error) {
    await store.close();
    throw error;
  }
  const checkpoints = new AuditCheckpoints({ key: auditKey, now });
  const audit = new AuditLog({ now, checkpoints });
  let rp: RelyingParty;
  try {
    rp = relyingPartyFromEnv({ port: options.port });
  } catch (error) {
    await store.close();
    throw error;
  }
  const secrets = new SecretBox({ path: options.secretsKey });
  const factors = createFactorChecks({
    audit,
    now,
    secrets,
    fingerprintVerifier: (where) =>
      fingerprintFactorVerifier({ audit, rp }, { sessionId: where.session ?? undefined }),
  });
  const live = new InProcessLiveEvents();
  return {
    store,
    audit,
    checkpoints,
    auditKey,
    policies: new ActivePolicyCache(store.db),
    now,
    secrets,
    rp,
    factors,
    live,
    publicUrl: publicBaseUrl(process.env, options.port),
    close: async () => {
      // Pooled SMTP connections would otherwise keep a CLI process alive until they idle out.
      closeEmailConnections();
      await live.close();
      await store.close();
    },
  };
}
