/**
 * Assembles the HTTP server: Fastify with Zod schemas (validation in, serialisation out), OpenAPI at
 * /docs/json and a browsable reference at /docs, one error shape everywhere, and each concept's routes.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { auditEntriesRoutes } from '../audit/audit-entries.routes.js';
import { checkoutsRoutes } from '../checkouts/checkouts.routes.js';
import { consoleRoutes } from '../console/console.routes.js';
import type { ConsoleContext } from '../console/console-sessions.service.js';
import { protectReadRoutes } from '../console/protect-read-routes.js';
import type { RelyingParty } from '../credentials/webauthn-config.js';
import { keysRoutes } from '../keys/keys.routes.js';
import { policyVersionsRoutes } from '../policy/policy-versions.routes.js';
import type { Store } from '../store/database.js';
import { terminalRoutes } from '../terminal/terminal.routes.js';
import type { TerminalContext } from '../terminal/terminal-sessions.service.js';
import { installErrorHandling } from './error-mapping.js';
import { healthRoutes } from './health.routes.js';
import { registerStatusPage, type StatusPageMode } from './status-page.js';

export interface ServerOptions {
  store: Store;
  now?: () => Date;
  /** pino options, or false for none (tests). */
  logger?: boolean | Record<string, unknown>;
  /** What the status page at / shows: counts only (default), or names too (the demo). */
  statusPage?: StatusPageMode;
  /** The console's services (sign-in opens TOTP seeds with the secrets key); without them no one can sign in. */
  console?: ConsoleContext;
  /** The terminal API's services; without them the server is read-only. */
  terminal?: TerminalContext & { rp: RelyingParty };
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const now = options.now ?? (() => new Date());
  const app = Fastify({
    logger: options.logger ?? false,
    // Bodies are small JSON; a large one is a mistake or an attack.
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  // Every route is checked against one access table (src/console/protect-read-routes.ts): a route without a
  // line in it is refused, and the role-matrix test fails.
  protectReadRoutes(app, { store: options.store, now });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keywarden API',
        version: '0.1.0',
        description:
          'Electronic key control. Errors are always `{ "error": { "code", "message", "details"? } }`. Lists are paginated with `limit` and `cursor`; the next page is also in the `Link` header. Times are ISO 8601 UTC.',
      },
      tags: [
        { name: 'health' },
        { name: 'keys' },
        { name: 'checkouts' },
        { name: 'audit' },
        { name: 'policy' },
        { name: 'terminal', description: 'The API every cabinet terminal uses (docs/terminal-api.md)' },
        { name: 'console', description: 'Console sign-in and session (docs/console.md)' },
      ],
      components: {
        securitySchemes: {
          cabinetToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'a cabinet token from `keywarden cabinets token CABINET`',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const deps = { store: options.store, now };
  await app.register(healthRoutes, deps);
  await app.register(keysRoutes, deps);
  await app.register(checkoutsRoutes, deps);
  await app.register(auditEntriesRoutes, deps);
  await app.register(policyVersionsRoutes, deps);
  if (options.terminal)
    await app.register(terminalRoutes, { store: options.store, context: options.terminal });
  if (options.console) await app.register(consoleRoutes, { store: options.store, context: options.console });
  registerStatusPage(app, options.store, now, options.statusPage);
  return app;
}
