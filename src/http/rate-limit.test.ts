/**
 * Rate limits: the production defaults as the server starts with them (10 sign-ins a minute per address,
 * 600 API requests), the 429 answer in the one error shape with Retry-After and the RateLimit headers, the
 * per-address API budget, the per-cabinet-token budget of terminal sessions, and the environment settings.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueCabinetToken } from '../cabinets/cabinet-tokens.service.js';
import { type CredentialTestBed, createCredentialTestBed } from '../credentials/credentials.testing.js';
import { createFactorChecks } from '../credentials/factor-verification.js';
import { relyingParty } from '../credentials/webauthn-config.js';
import { testDialects } from '../store/test-databases.js';
import { DEFAULT_RATE_LIMITS, RateLimitConfigError, rateLimitsFromEnv } from './rate-limits.js';
import { buildServer, type ServerOptions } from './server.js';

describe('rateLimitsFromEnv', () => {
  it('reads requests per minute or requests/seconds, 0 to turn a budget off', () => {
    expect(rateLimitsFromEnv({})).toEqual(DEFAULT_RATE_LIMITS);
    expect(
      rateLimitsFromEnv({
        KEYWARDEN_RATE_LIMIT_API: '1200',
        KEYWARDEN_RATE_LIMIT_SIGN_IN: '20/300',
        KEYWARDEN_RATE_LIMIT_TERMINAL_SESSIONS: '0',
      }),
    ).toEqual({
      api: { max: 1200, windowSeconds: 60 },
      signIn: { max: 20, windowSeconds: 300 },
      terminalSessions: { max: 0, windowSeconds: 60 },
    });
  });

  it('stops the server at start on anything else', () => {
    for (const text of ['lots', '10/0', '-5', '10 per minute']) {
      expect(() => rateLimitsFromEnv({ KEYWARDEN_RATE_LIMIT_SIGN_IN: text })).toThrow(RateLimitConfigError);
    }
  });
});

for (const dialect of await testDialects()) {
  describe(`rate limits on ${dialect}`, () => {
    let bed: CredentialTestBed;
    let cabinetTokens: string[];
    const apps: FastifyInstance[] = [];

    const build = async (extra: Partial<ServerOptions> = {}) => {
      const rp = relyingParty({ id: 'localhost', origins: ['http://localhost:8080'] });
      const app = await buildServer({
        store: bed.database.store,
        now: bed.context.now,
        terminal: { ...bed.context, factors: createFactorChecks(bed.context), rp },
        console: { ...bed.context, rp },
        approvals: bed.context,
        ...extra,
      });
      apps.push(app);
      return app;
    };
    const signIn = (app: FastifyInstance, remoteAddress = '203.0.113.7') =>
      app.inject({
        method: 'POST',
        url: '/api/v1/console/sessions',
        remoteAddress,
        payload: { person: 'p-okafor', password: 'not the password at all', totp: '000000' },
      });

    beforeAll(async () => {
      bed = await createCredentialTestBed(dialect);
      cabinetTokens = await bed.db
        .transaction()
        .execute(async (trx) => [
          (await issueCabinetToken(trx, bed.context, { cabinet: 'central-a', by: 'p-okafor' })).token,
          (await issueCabinetToken(trx, bed.context, { cabinet: 'central-b', by: 'p-okafor' })).token,
        ]);
    });

    afterAll(async () => {
      for (const app of apps) await app.close();
      await bed.drop();
    });

    it('with the production defaults: 10 sign-ins a minute per address, then 429 rate_limited', async () => {
      for (const name of Object.values({
        api: 'KEYWARDEN_RATE_LIMIT_API',
        signIn: 'KEYWARDEN_RATE_LIMIT_SIGN_IN',
        terminal: 'KEYWARDEN_RATE_LIMIT_TERMINAL_SESSIONS',
      })) {
        vi.stubEnv(name, '');
      }
      const app = await build();
      vi.unstubAllEnvs();
      for (let attempt = 1; attempt <= 10; attempt++) {
        const answer = await signIn(app);
        expect(answer.statusCode).toBe(401);
        expect(answer.headers['ratelimit-limit']).toBe('10');
        expect(answer.headers['ratelimit-remaining']).toBe(String(10 - attempt));
        expect(answer.headers['ratelimit-policy']).toBe('10;w=60');
        expect(answer.headers['retry-after']).toBeUndefined();
      }
      const refused = await signIn(app);
      expect(refused.statusCode).toBe(429);
      const reset = Number(refused.headers['ratelimit-reset']);
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(60);
      expect(refused.headers['retry-after']).toBe(String(reset));
      expect(refused.headers['ratelimit-remaining']).toBe('0');
      expect(refused.json()).toEqual({
        error: {
          code: 'rate_limited',
          message: expect.stringContaining('too many requests'),
          details: { retryAfterSeconds: reset, budget: 'signIn' },
        },
      });
      // The refused attempt was not checked: no new audit entry for it.
      const failures = await bed.db
        .selectFrom('audit_entries')
        .select('seq')
        .where('type', '=', 'console.sign-in-failed')
        .execute();
      expect(failures).toHaveLength(10);

      // Another address signs in; the same address still reads the API, under the 600 budget.
      expect((await signIn(app, '198.51.100.9')).statusCode).toBe(401);
      const health = await app.inject({ method: 'GET', url: '/api/v1/health', remoteAddress: '203.0.113.7' });
      expect(health.statusCode).toBe(200);
      expect(health.headers['ratelimit-limit']).toBe('600');
      // 10 sign-ins and this one: the refused sign-in was not counted against the API budget.
      expect(health.headers['ratelimit-remaining']).toBe('589');
      // The passkey challenge has its own budget of 10.
      const options = await app.inject({
        method: 'POST',
        url: '/api/v1/console/sessions/passkey-options',
        remoteAddress: '203.0.113.7',
        payload: { person: 'p-okafor' },
      });
      expect(options.statusCode).toBe(200);
      expect(options.headers['ratelimit-remaining']).toBe('9');
      // A decision through a one-time approval link checks a password and a code: the sign-in budget.
      const link = await app.inject({
        method: 'POST',
        url: '/api/v1/approval-links/no-such-token/decision',
        remoteAddress: '203.0.113.7',
        payload: { password: 'not the password at all', totp: '000000', decision: 'approve' },
      });
      expect(link.headers['ratelimit-policy']).toBe('10;w=60');
      expect(link.headers['ratelimit-remaining']).toBe('9');
    });

    it('limits every /api/v1 request per address, and leaves other addresses alone', async () => {
      const app = await build({ rateLimits: { api: { max: 5, windowSeconds: 60 } } });
      const statuses = [];
      for (let request = 0; request < 6; request++) {
        statuses.push(
          (await app.inject({ method: 'GET', url: '/api/v1/keys', remoteAddress: '192.0.2.1' })).statusCode,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      const other = await app.inject({ method: 'GET', url: '/api/v1/health', remoteAddress: '192.0.2.2' });
      expect(other.statusCode).toBe(200);
      // Outside /api/v1 (the API documentation) nothing is counted.
      const docs = await app.inject({ method: 'GET', url: '/docs/json', remoteAddress: '192.0.2.1' });
      expect(docs.statusCode).toBe(200);
      expect(docs.headers['ratelimit-limit']).toBeUndefined();
    });

    it('limits terminal sign-ins per cabinet token, whatever the address', async () => {
      const app = await build({ rateLimits: { terminalSessions: { max: 3, windowSeconds: 60 } } });
      const start = (token: string, remoteAddress: string) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/cabinets/central-a/sessions',
          remoteAddress,
          headers: { authorization: `Bearer ${token}` },
          payload: { person: 'p-ruiz', factor: { kind: 'pin', value: '000000' } },
        });
      const [first, second] = cabinetTokens as [string, string];
      const answers = [];
      for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'])
        answers.push(await start(first, address));
      expect(answers.slice(0, 3).map((answer) => answer.statusCode)).not.toContain(429);
      expect(answers[2]?.headers['ratelimit-limit']).toBe('3');
      expect(answers[3]?.statusCode).toBe(429);
      expect(answers[3]?.json().error.details.budget).toBe('terminalSessions');
      expect((await start(second, '10.0.0.1')).statusCode).not.toBe(429);
    });
  });
}
