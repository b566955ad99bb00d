/**
 * The WebAuthn relying party: the domain that fingerprint credentials are bound to (rpID), the name an
 * authenticator may show, and the exact origins (scheme, host and port) that terminal and console pages are
 * served from. A credential enrolled under one rpID never works under another, so choose the rpID once: the
 * registrable domain the terminals and the console share (`keywarden.example.org`, or `localhost` on one
 * machine).
 */

export interface RelyingParty {
  /** A domain, no scheme or port: every origin's host must be it or a subdomain of it. */
  id: string;
  name: string;
  /** Origins allowed in clientDataJSON, such as `https://keys.example.org`. */
  origins: string[];
  /**
   * Which authenticators enrolment asks for: `platform` (built into the terminal, the default),
   * `cross-platform` (a USB/NFC security key with its own fingerprint sensor) or `any`.
   */
  attachment: 'platform' | 'cross-platform' | 'any';
}

export class RelyingPartyConfigError extends Error {
  override name = 'RelyingPartyConfigError';
}

export const DEFAULT_RP_ID = 'localhost';
export const DEFAULT_RP_NAME = 'Keywarden';
const DEFAULT_PORT = 8080;

/**
 * The relying party from the environment: KEYWARDEN_RP_ID (default `localhost`), KEYWARDEN_RP_NAME
 * (`Keywarden`), KEYWARDEN_ORIGINS (comma-separated; default `http://localhost:<port>` for the port the
 * server listens on) and KEYWARDEN_WEBAUTHN_ATTACHMENT (`platform`). Throws RelyingPartyConfigError when an
 * origin cannot use the rpID, so a misconfiguration stops the server at start, not at the first finger.
 * @example relyingPartyFromEnv({ port: 8080 }) // { id: 'localhost', origins: ['http://localhost:8080'], ... }
 */
export function relyingPartyFromEnv(
  options: { port?: number; env?: Record<string, string | undefined> } = {},
): RelyingParty {
  const env = options.env ?? process.env;
  const id = checkRpId((env.KEYWARDEN_RP_ID ?? '').trim() || DEFAULT_RP_ID);
  const name = (env.KEYWARDEN_RP_NAME ?? '').trim() || DEFAULT_RP_NAME;
  const listed = (env.KEYWARDEN_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  let origins = listed;
  if (origins.length === 0) {
    if (id !== 'localhost') {
      throw new RelyingPartyConfigError(
        `KEYWARDEN_RP_ID is "${id}": set KEYWARDEN_ORIGINS too (the https origins of the console and terminals, comma-separated)`,
      );
    }
    const port = options.port ?? (Number(env.KEYWARDEN_PORT) || DEFAULT_PORT);
    origins = [port === 80 ? 'http://localhost' : `http://localhost:${port}`];
  }
  const attachment = (env.KEYWARDEN_WEBAUTHN_ATTACHMENT ?? '').trim() || 'platform';
  if (attachment !== 'platform' && attachment !== 'cross-platform' && attachment !== 'any') {
    throw new RelyingPartyConfigError(
      `KEYWARDEN_WEBAUTHN_ATTACHMENT must be platform, cross-platform or any, not "${attachment}"`,
    );
  }
  return relyingParty({ id, name, origins, attachment });
}

/** Checks a relying party and returns it with origins normalised (no trailing slash). */
export function relyingParty(input: {
  id: string;
  name?: string;
  origins: string[];
  attachment?: RelyingParty['attachment'];
}): RelyingParty {
  const id = checkRpId(input.id);
  if (input.origins.length === 0) throw new RelyingPartyConfigError('at least one origin is needed');
  const origins = input.origins.map((origin) => checkOrigin(origin, id));
  return {
    id,
    name: input.name?.trim() || DEFAULT_RP_NAME,
    origins: [...new Set(origins)],
    attachment: input.attachment ?? 'platform',
  };
}

function checkRpId(input: string): string {
  const id = input.trim().toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(id) || /^[\d.]+$/.test(id)) {
    throw new RelyingPartyConfigError(
      `rpID "${input}" must be a domain name such as keys.example.org or localhost (no scheme, port or IP address)`,
    );
  }
  return id;
}

function checkOrigin(origin: string, rpId: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new RelyingPartyConfigError(`origin "${origin}" is not a URL such as https://keys.example.org`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RelyingPartyConfigError(`origin "${origin}" is not a URL such as https://keys.example.org`);
  }
  if (url.origin !== origin.replace(/\/$/, '')) {
    throw new RelyingPartyConfigError(
      `origin "${origin}" must be scheme, host and port only (did you mean "${url.origin}"?)`,
    );
  }
  const host = url.hostname;
  const local = host === 'localhost' || host.endsWith('.localhost');
  // Browsers offer WebAuthn only in secure contexts: https, or http on localhost.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new RelyingPartyConfigError(
      `origin "${origin}" must use https (http is allowed only on localhost)`,
    );
  }
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw new RelyingPartyConfigError(
      `origin "${origin}" cannot use rpID "${rpId}": its host must be ${rpId} or a subdomain of it`,
    );
  }
  return url.origin;
}
