/**
 * Rate limits, counted by @fastify/rate-limit's in-memory store and answered in our own shape. Three budgets:
 *
 * - `api`: every request to /api/v1, per client IP: generous, against floods and runaway scripts;
 * - `signIn`: console sign-in (`POST /api/v1/console/sessions`), its passkey challenge and decisions through
 *   one-time approval links (which check a password and a code too), per client IP,
 *   each route counted apart: against password spraying across many people, which the per-person lockout
 *   does not see;
 * - `terminalSessions`: `POST /api/v1/cabinets/:cabinet/sessions`, per cabinet token (a hash of it; per IP
 *   without one): a cabinet whose token leaked cannot be used to guess PINs at machine speed.
 *
 * Every counted answer carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds) and
 * `RateLimit-Policy` (`10;w=60`), the IETF draft's headers (the separate-header form that the plugin's
 * `enableDraftSpec` also writes), for the budget closest to running out. Over budget: 429 with
 * `{ error: { code: "rate_limited", message, details: { retryAfterSeconds, budget } } }` and `Retry-After`.
 *
 * Counts live in the process: behind a load balancer with N servers a client gets up to N times the budget.
 * `request.ip` is the socket's address (Fastify's trustProxy is off): behind a reverse proxy every client
 * shares the proxy's address, so raise KEYWARDEN_RATE_LIMIT_API there or limit at the proxy.
 */
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KeywardenError } from '../domain/errors.js';

/** At most `max` requests per `windowSeconds`; `max` 0 turns the budget off. */
export interface RateBudget {
  max: number;
  windowSeconds: number;
}

export interface RateLimitSettings {
  api: RateBudget;
  signIn: RateBudget;
  terminalSessions: RateBudget;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = Object.freeze({
  api: { max: 600, windowSeconds: 60 },
  signIn: { max: 10, windowSeconds: 60 },
  terminalSessions: { max: 30, windowSeconds: 60 },
});

const ENV_NAMES: Record<keyof RateLimitSettings, string> = {
  api: 'KEYWARDEN_RATE_LIMIT_API',
  signIn: 'KEYWARDEN_RATE_LIMIT_SIGN_IN',
  terminalSessions: 'KEYWARDEN_RATE_LIMIT_TERMINAL_SESSIONS',
};

export class RateLimitConfigError extends Error {
  override name = 'RateLimitConfigError';
}

/**
 * The budgets from the environment: each variable is `N` (per minute) or `N/SECONDS`
 * (KEYWARDEN_RATE_LIMIT_SIGN_IN=20/300: 20 per 5 minutes); 0 turns a budget off. Throws
 * RateLimitConfigError on anything else, so a typo stops the server at start.
 * @example rateLimitsFromEnv({ KEYWARDEN_RATE_LIMIT_API: '1200' }).api // { max: 1200, windowSeconds: 60 }
 */
export function rateLimitsFromEnv(env: Record<string, string | undefined> = process.env): RateLimitSettings {
  const settings = { ...DEFAULT_RATE_LIMITS };
  for (const [budget, name] of Object.entries(ENV_NAMES) as [keyof RateLimitSettings, string][]) {
    const text = (env[name] ?? '').trim();
    if (text === '') continue;
    const match = /^(\d{1,7})(?:\/(\d{1,6}))?$/.exec(text);
    const windowSeconds = Number(match?.[2] ?? 60);
    if (!match || windowSeconds < 1) {
      throw new RateLimitConfigError(
        `${name} must be a number of requests per minute (600) or requests/seconds (600/60), not "${text}"`,
      );
    }
    settings[budget] = { max: Number(match[1]), windowSeconds };
  }
  return settings;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

interface Budgeted {
  name: keyof RateLimitSettings;
  budget: RateBudget;
  applies(request: FastifyRequest): boolean;
  limiter: Limiter;
}

const SIGN_IN_ROUTES = new Set([
  'POST /api/v1/console/sessions',
  'POST /api/v1/console/sessions/passkey-options',
  // Deciding through a one-time approval link checks a password and a code like a sign-in.
  'POST /api/v1/approval-links/:token/decision',
]);

function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? ''}`;
}

function clientIp(request: FastifyRequest): string {
  return `ip:${request.ip}`;
}

/** The cabinet token's hash, so that the store never holds the token itself. */
function cabinetTokenKey(request: FastifyRequest): string {
  const match = /^Bearer\s+(\S+)\s*$/.exec(request.headers.authorization ?? '');
  return match?.[1] ? `token:${createHash('sha256').update(match[1]).digest('hex')}` : clientIp(request);
}

/**
 * Registers the plugin (no limit of its own: `global: false`) and one onRequest hook that counts each
 * request against the budgets that apply. Call before any other onRequest hook, so that a flood is refused
 * before it costs a database lookup.
 */
export async function installRateLimits(app: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  await app.register(rateLimit, { global: false, enableDraftSpec: true });
  const make = (
    name: keyof RateLimitSettings,
    applies: (request: FastifyRequest) => boolean,
    keyGenerator: (request: FastifyRequest) => string,
  ): Budgeted | null => {
    const budget = settings[name];
    if (budget.max <= 0) return null;
    const limiter = app.createRateLimit({
      max: budget.max,
      timeWindow: budget.windowSeconds * 1000,
      keyGenerator,
    });
    return { name, budget, applies, limiter };
  };
  // Strict budgets first: a request refused by one is not counted against the next.
  const budgets = [
    make(
      'signIn',
      (request) => SIGN_IN_ROUTES.has(routeOf(request)),
      (request) => `${routeOf(request)} ${clientIp(request)}`,
    ),
    make(
      'terminalSessions',
      (request) => routeOf(request) === 'POST /api/v1/cabinets/:cabinet/sessions',
      cabinetTokenKey,
    ),
    make('api', (request) => request.url === '/api/v1' || request.url.startsWith('/api/v1/'), clientIp),
  ].filter((budgeted): budgeted is Budgeted => budgeted !== null);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    let closest: { budget: RateBudget; remaining: number; resetSeconds: number } | undefined;
    for (const budgeted of budgets) {
      if (!budgeted.applies(request)) continue;
      const result = await budgeted.limiter(request);
      if (result.isAllowed) continue;
      const resetSeconds = Math.max(1, result.ttlInSeconds);
      if (result.isExceeded) {
        writeHeaders(reply, budgeted.budget, 0, resetSeconds);
        reply.header('retry-after', String(resetSeconds));
        throw new KeywardenError(
          'rate_limited',
          `too many requests: at most ${budgeted.budget.max} per ${budgeted.budget.windowSeconds} seconds; try again in ${resetSeconds} seconds`,
          { retryAfterSeconds: resetSeconds, budget: budgeted.name },
        );
      }
      if (!closest || result.remaining < closest.remaining) {
        closest = { budget: budgeted.budget, remaining: result.remaining, resetSeconds };
      }
    }
    if (closest) writeHeaders(reply, closest.budget, closest.remaining, closest.resetSeconds);
  });
}

function writeHeaders(
  reply: FastifyReply,
  budget: RateBudget,
  remaining: number,
  resetSeconds: number,
): void {
  reply.header('ratelimit-limit', String(budget.max));
  reply.header('ratelimit-remaining', String(remaining));
  reply.header('ratelimit-reset', String(resetSeconds));
  reply.header('ratelimit-policy', `${budget.max};w=${budget.windowSeconds}`);
}
