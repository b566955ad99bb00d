/**
 * Console authentication for Fastify: the `kw_session` cookie (parsed here: one cookie needs no plugin),
 * the CSRF header on every request that changes something, API tokens (`Authorization: Bearer kwt_...`, for
 * integrations: no cookie, so no CSRF header), and `requirePermission(action)`, the check a console route
 * declares. Answers 401 console_unauthorized without a live session or token, 403 forbidden when the role
 * does not allow the action, the CSRF token is missing or wrong, or a token asks for a person's own business
 * (their passkeys, minting tokens).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import { allows, type ConsoleAction } from '../domain/console/console-roles.js';
import { KeywardenError } from '../domain/errors.js';
import type { Store } from '../store/database.js';
import { API_TOKEN_PREFIX, acceptApiToken, tokenActor } from './api-tokens.service.js';
import { type ConsoleUser, resumeConsoleSession } from './console-sessions.service.js';

export const SESSION_COOKIE = 'kw_session';
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Who a console request comes from: a person with a session, or an API token (then `person` is
 * `token:<id>`, `name` the token's name, `team` empty, and `sessionId` null).
 */
export interface SignedInUser extends ConsoleUser {
  /** The console session's id (SHA-256 of the cookie token); null for an API token. */
  sessionId: string | null;
  /** The API token's id when the request came with one; null for a session. */
  tokenId: string | null;
}

/**
 * Actions a person must take themself, never an integration's token: their own sign-in and inbox, minting
 * tokens or granting roles (a token must not widen its own reach), and the second-person decisions (policy
 * approval, approval requests), which a token made by the same admin would otherwise turn into one person's.
 */
const SESSION_ONLY_ACTIONS: ReadonlySet<ConsoleAction> = new Set<ConsoleAction>([
  'console.passkeys',
  'api-tokens.manage',
  'console-users.manage',
  'policy.manage',
  'policy.approve',
  'approvals.decide',
  'inbox.self',
]);

declare module 'fastify' {
  interface FastifyRequest {
    /** The console user whose session cookie came with this request, once authenticated. */
    consoleUser?: SignedInUser;
  }
}

export interface ConsoleAuthDeps {
  store: Store;
  now: () => Date;
  /** Audits the first use of an API token each day; without it API tokens are refused. */
  audit?: AuditLog;
}

/** The API token in `Authorization: Bearer kwt_...`, or undefined (another scheme or token is not ours). */
export function bearerApiToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/.exec(request.headers.authorization ?? '');
  return match?.[1]?.startsWith(API_TOKEN_PREFIX) ? match[1] : undefined;
}

/** The value of one cookie in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index < 0 || pair.slice(0, index).trim() !== name) continue;
    const value = pair.slice(index + 1).trim();
    try {
      return decodeURIComponent(value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Whether the cookie may go without `Secure`: only for plain http to the machine itself (a developer's
 * `keywarden serve` at http://localhost:8080), where a browser would otherwise drop it. Everything else,
 * including http behind a TLS-terminating proxy, gets `Secure`.
 */
function mayOmitSecure(request: FastifyRequest): boolean {
  const host = request.hostname.replace(/:\d+$/, '');
  return request.protocol === 'http' && ['localhost', '127.0.0.1', '[::1]', '::1'].includes(host);
}

function cookieAttributes(request: FastifyRequest): string {
  return `; Path=/; HttpOnly; SameSite=Strict${mayOmitSecure(request) ? '' : '; Secure'}`;
}

/** The Set-Cookie value for a new session; the browser keeps it no longer than the session's 12 hours. */
export function sessionCookie(request: FastifyRequest, token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}${cookieAttributes(request)}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(request: FastifyRequest): string {
  return `${SESSION_COOKIE}=${cookieAttributes(request)}; Max-Age=0`;
}

/**
 * Authenticates the request by its session cookie (once per request) and, for POST, PUT, PATCH and DELETE,
 * checks the CSRF header against the session's token.
 */
export async function authenticateConsole(
  request: FastifyRequest,
  deps: ConsoleAuthDeps,
): Promise<SignedInUser> {
  if (request.consoleUser) return request.consoleUser;
  const apiToken = bearerApiToken(request);
  if (apiToken !== undefined) {
    if (!deps.audit) throw new KeywardenError('console_unauthorized', 'API tokens are not accepted here');
    const identity = await acceptApiToken(deps.store.db, { audit: deps.audit, now: deps.now }, apiToken);
    request.consoleUser = {
      person: tokenActor(identity.id),
      name: identity.name,
      roles: identity.roles,
      team: [],
      sessionId: null,
      tokenId: identity.id,
    };
    return request.consoleUser;
  }
  const token = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (!token) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  const used = await resumeConsoleSession(deps.store.db, token, deps.now());
  if (UNSAFE_METHODS.has(request.method)) {
    const header = request.headers[CSRF_HEADER];
    if (!used.csrfMatches(typeof header === 'string' ? header : undefined)) {
      throw new KeywardenError(
        'forbidden',
        `this request changes something: send the CSRF token given at sign-in in the ${CSRF_HEADER} header`,
      );
    }
  }
  request.consoleUser = { ...used.user, sessionId: used.session.id, tokenId: null };
  return request.consoleUser;
}

/**
 * Authenticates and checks that one of the user's roles allows `action`. Object checks (a supervisor's
 * team) are the route's: see onlyOverTeam in console-roles.ts.
 */
export async function checkPermission(
  request: FastifyRequest,
  deps: ConsoleAuthDeps,
  action: ConsoleAction,
): Promise<SignedInUser> {
  const user = await authenticateConsole(request, deps);
  if (user.tokenId !== null && SESSION_ONLY_ACTIONS.has(action)) {
    throw new KeywardenError('forbidden', `an API token cannot take ${action}: sign in as a person`, {
      action,
    });
  }
  if (!allows(user.roles, action)) {
    throw new KeywardenError(
      'forbidden',
      `your console roles (${user.roles.join(', ')}) do not allow ${action}`,
      {
        action,
      },
    );
  }
  return user;
}

/**
 * A preHandler for a console route: `{ preHandler: requirePermission('keys.read', deps) }`.
 * @example app.get('/api/v1/console/me', { preHandler: requirePermission('console.self', deps) }, handler)
 */
export function requirePermission(
  action: ConsoleAction,
  deps: ConsoleAuthDeps,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request) => {
    await checkPermission(request, deps, action);
  };
}
