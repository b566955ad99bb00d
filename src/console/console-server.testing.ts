/** The server as the console tests need it: buildServer with the console's services. */
import type { FastifyInstance } from 'fastify';
import type { RateLimitSettings } from '../http/rate-limits.js';
import { buildServer, type ServerOptions } from '../http/server.js';
import type { ConsoleContext } from './console-sessions.service.js';

/**
 * Budgets no test file reaches (the role-matrix test alone makes hundreds of requests from one address);
 * src/http/rate-limit.test.ts runs with the production defaults.
 */
export const TEST_RATE_LIMITS: RateLimitSettings = {
  api: { max: 1_000_000, windowSeconds: 60 },
  signIn: { max: 1_000_000, windowSeconds: 60 },
  terminalSessions: { max: 1_000_000, windowSeconds: 60 },
};

export async function buildConsoleServer(
  options: ServerOptions & { console: ConsoleContext },
): Promise<FastifyInstance> {
  return buildServer({ rateLimits: TEST_RATE_LIMITS, ...options });
}
