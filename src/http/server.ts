/**
 * Assembles the HTTP server: Fastify with Zod schemas (validation in, serialisation out), OpenAPI at
 * /docs/json and a browsable reference at /docs, one error shape everywhere, and each concept's routes.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { type ApprovalRoutesContext, approvalsRoutes } from '../approvals/approvals.routes.js';
import { auditEntriesRoutes } from '../audit/audit-entries.routes.js';
import { type AuditTrailRoutesContext, auditTrailRoutes } from '../audit/audit-trail.routes.js';
import { cabinetEventsRoutes } from '../cabinets/cabinet-events.routes.js';
import { cabinetsRoutes, cabinetTokensRoutes } from '../cabinets/cabinets.routes.js';
import {
  cabinetConnectionRoutes,
  selectSubprotocol,
} from '../cabinets/protocol/cabinet-connection.routes.js';
import { CabinetConnections, type CabinetProtocolContext } from '../cabinets/protocol/cabinet-connections.js';
import { MAX_FRAME_BYTES } from '../cabinets/protocol/messages.js';
import { checkoutsRoutes } from '../checkouts/checkouts.routes.js';
import { consoleRoutes } from '../console/console.routes.js';
import type { ConsoleContext } from '../console/console-sessions.service.js';
import { protectReadRoutes } from '../console/protect-read-routes.js';
import type { DemoAccess } from '../demo/demo-access.js';
import { demoAccessRoutes } from '../demo/demo-access.routes.js';
import { incidentsRoutes } from '../incidents/incidents.routes.js';
import { keysRoutes } from '../keys/keys.routes.js';
import { acknowledgementLinkRoutes } from '../notifications/acknowledgement-link.routes.js';
import { inboxRoutes } from '../notifications/inbox.routes.js';
import { notificationRulesRoutes } from '../notifications/notification-rules.routes.js';
import { notificationRulesListRoutes } from '../notifications/notification-rules-list.routes.js';
import {
  type NotificationsRouteContext,
  notificationsRoutes,
} from '../notifications/notifications.routes.js';
import { peopleRoutes } from '../people/people.routes.js';
import {
  type CredentialManagementContext,
  personCredentialsRoutes,
} from '../people/person-credentials.routes.js';
import { policyVersionsRoutes } from '../policy/policy-versions.routes.js';
import { sitesRoutes } from '../sites/sites.routes.js';
import type { Store } from '../store/database.js';
import { cabinetSlotsRoutes } from '../terminal/cabinet-slots.routes.js';
import { cabinetStatusRoutes } from '../terminal/cabinet-status.routes.js';
import { cabinetTerminalEventsRoutes } from '../terminal/cabinet-terminal-events.routes.js';
import { type TerminalRoutesContext, terminalRoutes } from '../terminal/terminal.routes.js';
import { webAppRoutes } from '../web/web-app.routes.js';
import { installErrorHandling } from './error-mapping.js';
import { healthRoutes } from './health.routes.js';
import { installRateLimits, type RateLimitSettings, rateLimitsFromEnv } from './rate-limits.js';
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
  /** The terminal API's services (with the live bus and public URL for approvals); without them the server is read-only. */
  terminal?: TerminalRoutesContext;
  /**
   * Notification settings, webhooks, the delivery log, test messages and the inbox (src/notifications):
   * audit log, clock, secrets key, live bus, public URL. Without it those routes are absent.
   */
  notifications?: NotificationsRouteContext & { inboxStreamMaxMs?: number };
  /** Approvals in the console and one-time approval links: the console's services plus the live bus. */
  approvals?: ApprovalRoutesContext;
  /** Rate limit budgets (src/http/rate-limits.ts); each one left out comes from the environment or the defaults. */
  rateLimits?: Partial<RateLimitSettings>;
  /**
   * What the console changes people and cabinets with (credential enrolment, cabinet tokens): audit log,
   * clock, secrets key, relying party. Without it those routes are absent; reading people, cabinets and
   * sites needs only the store.
   */
  consoleManagement?: CredentialManagementContext;
  /**
   * The cabinet protocol (docs/cabinet-protocol.md): each cabinet's WebSocket, slot releases after terminal
   * checkouts, door and heartbeat timers. Without it there is no connection route and checkouts release nothing.
   */
  cabinets?: CabinetProtocolContext;
  /** The web app (kiosk and console, src/web): its built files' folder; web/dist by default. */
  web?: { root?: string };
  /** The audit chain's verification and export over HTTP (src/audit/audit-trail.routes.ts); absent without it. */
  auditTrail?: AuditTrailRoutesContext;
  /** serve --demo only: the demo's kiosk tokens and credentials, offered on loopback (src/demo/demo-access.routes.ts). */
  demo?: DemoAccess;
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
  // Rate limits before access checks: a flood is refused before it costs a database lookup.
  await installRateLimits(app, { ...rateLimitsFromEnv(), ...options.rateLimits });
  // Every route is checked against one access table (src/console/protect-read-routes.ts): a route without a
  // line in it is refused, and the role-matrix test fails.
  protectReadRoutes(app, { store: options.store, now, audit: options.console?.audit });

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
        {
          name: 'notifications',
          description: 'Channels, webhooks, the delivery log (docs/notifications.md)',
        },
        { name: 'inbox', description: "The signed-in person's in-app messages and their live stream" },
        {
          name: 'approvals',
          description: 'Approval requests: console decisions and one-time links (docs/console.md)',
        },
        { name: 'people', description: 'People and their credentials, from the console (docs/console.md)' },
        { name: 'cabinets', description: 'Cabinets and their terminal tokens, from the console' },
        { name: 'sites', description: 'Sites, their hours and holidays, from the active policy' },
        { name: 'incidents', description: 'Incidents opened by policy consequences (docs/notifications.md)' },
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
  if (options.auditTrail)
    await app.register(auditTrailRoutes, { store: options.store, context: options.auditTrail });
  await app.register(policyVersionsRoutes, { ...deps, context: options.console });
  await app.register(peopleRoutes, deps);
  await app.register(cabinetsRoutes, deps);
  // The console's live slot map: hints from the terminal's live bus, re-reads when there is none.
  await app.register(cabinetEventsRoutes, {
    ...deps,
    live: options.terminal?.live ?? options.approvals?.live,
  });
  await app.register(sitesRoutes, { ...deps, policies: options.terminal?.policies });
  if (options.consoleManagement) {
    const management = { store: options.store, context: options.consoleManagement };
    await app.register(personCredentialsRoutes, management);
    await app.register(cabinetTokensRoutes, management);
  }
  // The cabinet protocol's WebSocket; its releases follow the terminal's checkouts.
  const cabinetConnections = options.cabinets
    ? new CabinetConnections(options.store.db, options.cabinets, app.log)
    : undefined;
  if (cabinetConnections) {
    await app.register(websocket, {
      options: { maxPayload: MAX_FRAME_BYTES, handleProtocols: selectSubprotocol },
    });
    await app.register(cabinetConnectionRoutes, { ...deps, connections: cabinetConnections });
  }
  if (options.terminal)
    await app.register(terminalRoutes, {
      store: options.store,
      context: options.terminal,
      releases: cabinetConnections,
    });
  // The kiosk's idle screen (cabinet name, site, local time, after hours, reasons), with the cabinet's token.
  await app.register(cabinetStatusRoutes, { ...deps, policies: options.terminal?.policies });
  // The cabinet simulator page starts from the fobs the cabinet holds, with the cabinet's token.
  await app.register(cabinetSlotsRoutes, deps);
  // The kiosk's confirmations of returns (late, wrong slot) and undone checkouts, with the cabinet's token.
  await app.register(cabinetTerminalEventsRoutes, {
    ...deps,
    live: options.terminal?.live ?? options.approvals?.live,
  });
  if (options.web) await app.register(webAppRoutes, options.web);
  if (options.demo) await app.register(demoAccessRoutes, { access: options.demo });
  if (options.console) await app.register(consoleRoutes, { store: options.store, context: options.console });
  if (options.approvals)
    await app.register(approvalsRoutes, { store: options.store, context: options.approvals });
  if (options.notifications) {
    const notifications = { store: options.store, context: options.notifications };
    await app.register(notificationsRoutes, notifications);
    await app.register(inboxRoutes, {
      store: options.store,
      context: { ...options.notifications, streamMaxMs: options.notifications.inboxStreamMaxMs },
    });
  }
  if (options.console) {
    // Notification rules (templates, acknowledgement) and incidents need only the console's audit and clock.
    const rules = { store: options.store, context: options.console };
    await app.register(notificationRulesRoutes, rules);
    await app.register(acknowledgementLinkRoutes, rules);
    await app.register(incidentsRoutes, rules);
    await app.register(notificationRulesListRoutes, { store: options.store });
  }
  registerStatusPage(app, options.store, now, options.statusPage);
  return app;
}
