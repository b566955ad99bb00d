/**
 * TEST ONLY: the real server with a few routes that call the fingerprint service directly, and a page with
 * "Enrol fingerprint" and "Use fingerprint" buttons built on @simplewebauthn/browser's bundle. The terminal
 * session API replaces these routes in the product; they exist so a browser can drive the service end to
 * end. Never registered by src/.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../../../src/audit/audit-log.js';
import {
  authenticationResponseSchema,
  type FingerprintCheckResult,
  failFingerprintCheck,
  finishFingerprintEnrolment,
  registrationResponseSchema,
  startFingerprintCheck,
  startFingerprintEnrolment,
  verifyFingerprint,
  type WebauthnContext,
} from '../../../src/credentials/webauthn.service.js';
import { type RelyingParty, relyingPartyFromEnv } from '../../../src/credentials/webauthn-config.js';
import { installErrorHandling } from '../../../src/http/error-mapping.js';
import type { Store } from '../../../src/store/database.js';

/** The terminal session these routes pretend to be in: challenges are bound to it. */
export const TEST_SESSION_ID = 'e2e-terminal-session';

const require = createRequire(import.meta.url);
// The package exports only its entry points; its UMD bundle sits beside them in dist/bundle.
const BROWSER_BUNDLE = join(
  dirname(require.resolve('@simplewebauthn/browser')),
  '..',
  'dist',
  'bundle',
  'index.umd.min.js',
);
const PAGE = new URL('./fingerprint-page.html', import.meta.url);

export interface FingerprintTestServer {
  app: FastifyInstance;
  /** `http://localhost:PORT`: the origin the relying party allows. */
  url: string;
  rp: RelyingParty;
  /** Every check result the server returned, in order. */
  results: Array<{ person: string } & FingerprintCheckResult>;
  close(): Promise<void>;
}

export async function startFingerprintTestServer(options: {
  store: Store;
  audit: AuditLog;
  now: () => Date;
}): Promise<FingerprintTestServer> {
  // A bare Fastify with the product's error handling: the product server refuses routes missing from its
  // access table, and these test-only routes must never be in it.
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  const results: FingerprintTestServer['results'] = [];
  let rp: RelyingParty | null = null;
  const context = (): WebauthnContext => {
    if (!rp) throw new Error('the relying party is known once the server listens');
    return { audit: options.audit, now: options.now, rp };
  };
  const db = options.store.db;
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const person = z.object({ person: z.string().min(1) });

  routes.get('/test/fingerprint', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(readFileSync(PAGE, 'utf8')),
  );
  routes.get('/test/fingerprint/simplewebauthn-browser.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(readFileSync(BROWSER_BUNDLE, 'utf8')),
  );
  routes.post('/test/fingerprint/enrol-options', { schema: { body: person } }, async (request) =>
    startFingerprintEnrolment(db, context(), request.body.person, { sessionId: TEST_SESSION_ID }),
  );
  routes.post(
    '/test/fingerprint/enrol',
    { schema: { body: person.extend({ response: registrationResponseSchema }) } },
    async (request) =>
      db.transaction().execute((trx) =>
        finishFingerprintEnrolment(trx, context(), request.body.person, request.body.response, {
          sessionId: TEST_SESSION_ID,
          label: 'Terminal reader',
        }),
      ),
  );
  routes.post('/test/fingerprint/check-options', { schema: { body: person } }, async (request) =>
    startFingerprintCheck(db, context(), request.body.person, { sessionId: TEST_SESSION_ID }),
  );
  // As the terminal's factors endpoint will: an assertion, or the browser's error when there was none.
  routes.post(
    '/test/fingerprint/check',
    {
      schema: {
        body: person.extend({
          assertion: authenticationResponseSchema.optional(),
          clientError: z.string().max(100).optional(),
        }),
      },
    },
    async (request) => {
      const { person: personId, assertion } = request.body;
      const result = await db
        .transaction()
        .execute((trx) =>
          assertion
            ? verifyFingerprint(trx, context(), personId, assertion, { sessionId: TEST_SESSION_ID })
            : failFingerprintCheck(trx, context(), personId, { sessionId: TEST_SESSION_ID }),
        );
      results.push({ person: personId, ...result });
      return result;
    },
  );

  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  // The default derivation, as the server will use it: http://localhost:<port>, rpID localhost.
  rp = relyingPartyFromEnv({ port, env: {} });
  return { app, url: `http://localhost:${port}`, rp, results, close: () => app.close() };
}
