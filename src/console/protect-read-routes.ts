/**
 * Who may call which endpoint: one table, ROUTE_ACCESS, with a line for every route the server has, and a
 * root onRequest hook that enforces it before any route runs. A route is public (health, sign-in, the API
 * documentation), cabinet-token only (the terminal API checks its own bearer token; a console session does
 * not open it), or a console action from src/domain/console/console-roles.ts. A route without a line is
 * refused with 403 (fail closed), and the role-matrix test fails, so a new endpoint needs a rule.
 *
 * Supervisors read checkouts of their team only (the people whose supervisor chain includes them):
 * - GET /api/v1/checkouts/:id: the checkout's person is looked up first; another team's answers 403.
 * - GET /api/v1/checkouts: a `person` filter outside the team answers 403; without one, the page is
 *   filtered before it is sent (preSerialization), so a supervisor's page may hold fewer than `limit`
 *   checkouts (even none) while `next` still leads on. Filtering the response, rather than rewriting the
 *   query, keeps the read-only route untouched and can never show another team's row, whatever filters the
 *   route grows later; the price is short pages, acceptable for team sizes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ConsoleAction, onlyOverTeam } from '../domain/console/console-roles.js';
import { KeywardenError } from '../domain/errors.js';
import { type ConsoleAuthDeps, checkPermission } from './console-auth.js';

export type RouteAccess =
  | { kind: 'public' }
  | { kind: 'cabinet' }
  | { kind: 'console'; action: ConsoleAction };

const PUBLIC: RouteAccess = { kind: 'public' };
const CABINET: RouteAccess = { kind: 'cabinet' };
const can = (action: ConsoleAction): RouteAccess => ({ kind: 'console', action });

/** `METHOD /route/pattern` -> access. HEAD routes follow their GET. */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = Object.freeze({
  'GET /api/v1/health': PUBLIC,
  // The status page shows counts only, unless the server runs the demo (serve --demo shows names): public.
  'GET /': PUBLIC,
  // The demo's written procedure (404 outside the demo).
  'GET /procedure': PUBLIC,

  'GET /api/v1/keys': can('keys.read'),
  'GET /api/v1/keys/:id': can('keys.read'),
  'GET /api/v1/checkouts': can('checkouts.read'),
  'GET /api/v1/checkouts/:id': can('checkouts.read'),
  'GET /api/v1/audit-entries': can('audit.read'),
  'GET /api/v1/audit-entries/:seq': can('audit.read'),
  // The audit chain over HTTP (src/audit/audit-trail.routes.ts): its verification and the export file.
  'GET /api/v1/audit-verification': can('audit.read'),
  'GET /api/v1/audit-export': can('audit.read'),
  // The active policy's message-writing rules, for the console's templates list (src/notifications).
  'GET /api/v1/notifications/rules': can('notifications.templates.read'),
  'GET /api/v1/policy-versions': can('policy.read'),
  'GET /api/v1/policy-versions/:version': can('policy.read'),
  'GET /api/v1/policy-versions/:version/procedure': can('policy.read'),

  'POST /api/v1/console/sessions': PUBLIC,
  'DELETE /api/v1/console/sessions/current': can('console.self'),
  'GET /api/v1/console/me': can('console.self'),

  // People, credentials, cabinets and sites (src/people, src/cabinets, src/sites). Supervisors read people
  // of their team and themselves only: the people routes check the object and filter the list themselves.
  'GET /api/v1/people': can('people.read'),
  'GET /api/v1/people/:id': can('people.read'),
  'POST /api/v1/people/:id/pin': can('credentials.manage'),
  'POST /api/v1/people/:id/badges': can('credentials.manage'),
  'DELETE /api/v1/people/:id/badges/:credential': can('credentials.manage'),
  'POST /api/v1/people/:id/totp': can('credentials.manage'),
  'DELETE /api/v1/people/:id/totp': can('credentials.manage'),
  'POST /api/v1/people/:id/fingerprint-enrolment-options': can('credentials.manage'),
  'POST /api/v1/people/:id/fingerprints': can('credentials.manage'),
  'DELETE /api/v1/people/:id/fingerprints/:credential': can('credentials.manage'),
  'POST /api/v1/people/:id/unlock': can('credentials.manage'),
  'GET /api/v1/cabinets': can('cabinets.read'),
  'GET /api/v1/cabinets/:cabinet': can('cabinets.read'),
  'POST /api/v1/cabinets/:cabinet/tokens': can('cabinet-tokens.manage'),
  'DELETE /api/v1/cabinets/:cabinet/tokens': can('cabinet-tokens.manage'),
  // The console's live slot map (src/cabinets/cabinet-events.routes.ts): whoever may read cabinets.
  'GET /api/v1/cabinets/:cabinet/events': can('cabinets.read'),
  'GET /api/v1/sites': can('sites.read'),
  'GET /api/v1/sites/:site': can('sites.read'),

  // Console passkeys and API tokens (src/console: passkeys, api-tokens). Sign-in's challenge is public (it
  // answers alike for everyone); the rest needs a session (an API token is refused: see console-auth.ts).
  'POST /api/v1/console/sessions/passkey-options': PUBLIC,
  'GET /api/v1/console/passkeys': can('console.passkeys'),
  'POST /api/v1/console/passkeys/options': can('console.passkeys'),
  'POST /api/v1/console/passkeys': can('console.passkeys'),
  'DELETE /api/v1/console/passkeys/:id': can('console.passkeys'),
  'GET /api/v1/console/api-tokens': can('api-tokens.manage'),
  'POST /api/v1/console/api-tokens': can('api-tokens.manage'),
  'DELETE /api/v1/console/api-tokens/:id': can('api-tokens.manage'),

  'POST /api/v1/cabinets/:cabinet/sessions': CABINET,
  'GET /api/v1/sessions/:id': CABINET,
  'POST /api/v1/sessions/:id/factors': CABINET,
  'GET /api/v1/sessions/:id/fingerprint-options': CABINET,
  'GET /api/v1/sessions/:id/fingerprint-enrolment-options': CABINET,
  'POST /api/v1/sessions/:id/fingerprints': CABINET,
  'GET /api/v1/sessions/:id/keys': CABINET,
  'POST /api/v1/sessions/:id/witness': CABINET,
  'POST /api/v1/sessions/:id/approvals': CABINET,
  'GET /api/v1/sessions/:id/approvals/:approval': CABINET,
  'POST /api/v1/sessions/:id/checkouts': CABINET,
  'POST /api/v1/cabinets/:cabinet/returns': CABINET,
  'DELETE /api/v1/sessions/:id': CABINET,

  // The cabinet protocol (src/cabinets/protocol, docs/cabinet-protocol.md): a WebSocket upgrade carrying the
  // cabinet token in the Authorization header or, from a browser, as the `bearer.<token>` subprotocol.
  'GET /api/v1/cabinets/:cabinet/connection': CABINET,

  // Notification delivery (src/notifications): channel settings, webhooks, test messages and dead-letter
  // retries are the administrators'; the delivery log also the auditors'; everyone's own inbox is theirs.
  'GET /api/v1/notifications/settings/smtp': can('notifications.manage'),
  'PUT /api/v1/notifications/settings/smtp': can('notifications.manage'),
  'GET /api/v1/notifications/settings/sms': can('notifications.manage'),
  'PUT /api/v1/notifications/settings/sms': can('notifications.manage'),
  'GET /api/v1/notifications/webhooks': can('notifications.manage'),
  'POST /api/v1/notifications/webhooks': can('notifications.manage'),
  'PATCH /api/v1/notifications/webhooks/:id': can('notifications.manage'),
  'DELETE /api/v1/notifications/webhooks/:id': can('notifications.manage'),
  'GET /api/v1/notifications/messages': can('notifications.read'),
  'POST /api/v1/notifications/messages/:id/retry': can('notifications.manage'),
  'POST /api/v1/notifications/test': can('notifications.manage'),
  'GET /api/v1/inbox': can('inbox.self'),
  'POST /api/v1/inbox/:id/read': can('inbox.self'),
  'GET /api/v1/inbox/events': can('inbox.self'),

  // Policy versions and approvals (src/policy/policy-versions.routes.ts, src/approvals). The diff reads; import
  // and approve write (the service refuses an author approving their own draft). Approvals: supervisors see
  // and decide their team's only, checked by the routes themselves (approval-access.ts).
  'GET /api/v1/policy-versions/:version/diff': can('policy.read'),
  'POST /api/v1/policy-versions': can('policy.manage'),
  'POST /api/v1/policy-versions/:version/approve': can('policy.approve'),
  'GET /api/v1/approvals': can('approvals.read'),
  'GET /api/v1/approvals/:id': can('approvals.read'),
  'POST /api/v1/approvals/:id/decision': can('approvals.decide'),
  // The terminal waits on an approval's outcome as Server-Sent Events: a cabinet token, like its other routes.
  'GET /api/v1/sessions/:id/approvals/:approval/events': CABINET,
  // PUBLIC on purpose: the one-time link's token names the approver and their password and authenticator
  // code (checked as at console sign-in, with the same lockout) prove them; the token alone grants nothing.
  'GET /approve/:token': PUBLIC,
  'POST /api/v1/approval-links/:token/decision': PUBLIC,

  // Notification rules, acknowledgements and incidents (src/notifications, src/incidents). Supervisors
  // acknowledge and handle incidents of their team only, checked by the routes themselves.
  'GET /api/v1/notifications/templates/:rule/:channel': can('notifications.templates.read'),
  'PUT /api/v1/notifications/templates/:rule/:channel': can('notifications.templates.edit'),
  'DELETE /api/v1/notifications/templates/:rule/:channel': can('notifications.templates.edit'),
  'POST /api/v1/notifications/templates/:rule/:channel/preview': can('notifications.templates.read'),
  'POST /api/v1/notifications/events/:event/acknowledge': can('notifications.acknowledge'),
  // PUBLIC on purpose: the one-time acknowledgement link's token is the authority (256 random bits sent only
  // to that recipient, stored as SHA-256, used once); it acknowledges one event and opens nothing else.
  'GET /ack/:token': PUBLIC,
  'POST /api/v1/acknowledgements/:token': PUBLIC,
  'GET /api/v1/incidents': can('incidents.read'),
  'GET /api/v1/incidents/:id': can('incidents.read'),
  'POST /api/v1/incidents/:id/notes': can('incidents.manage'),
  'POST /api/v1/incidents/:id/assign': can('incidents.manage'),
  'POST /api/v1/incidents/:id/close': can('incidents.manage'),

  // The web app (src/web, web/): its pages and bundles are public (they hold no data; the API they call
  // checks access). The kiosk's idle screen reads its cabinet's status with the cabinet token. The demo's
  // routes exist only under serve --demo and answer only on loopback (src/demo/demo-access.routes.ts).
  'GET /kiosk': PUBLIC,
  'GET /kiosk/:cabinet': PUBLIC,
  'GET /kiosk/:cabinet/simulator': PUBLIC,
  'GET /console': PUBLIC,
  'GET /console/*': PUBLIC,
  'GET /assets/*': PUBLIC,
  'GET /api/v1/cabinets/:cabinet/status': CABINET,
  // The cabinet simulator page (web/src/features/cabinet-simulator): the fobs it starts with, cabinet token.
  'GET /api/v1/cabinets/:cabinet/slots': CABINET,
  // The kiosk's confirmations (returns, late, wrong slot; undone checkouts): SSE with the cabinet token.
  'GET /api/v1/cabinets/:cabinet/terminal-events': CABINET,
  'GET /api/v1/demo/kiosk-tokens/:cabinet': PUBLIC,
  'GET /api/v1/demo/hints': PUBLIC,
});

/** The API documentation (Swagger UI and the OpenAPI document) is public: it holds no data. */
const PUBLIC_PREFIXES = ['/docs'];

/** The access rule of a route, or undefined when it has none. */
export function accessOf(method: string, url: string): RouteAccess | undefined {
  if (PUBLIC_PREFIXES.some((prefix) => url === prefix || url.startsWith(`${prefix}/`))) return PUBLIC;
  const verb = method === 'HEAD' ? 'GET' : method;
  return ROUTE_ACCESS[`${verb} ${url}`];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for a supervisor reading checkouts: the only people whose checkouts may be sent. */
    checkoutsTeam?: ReadonlySet<string>;
  }
}

/**
 * Enforces ROUTE_ACCESS on every route registered after it: call it right after installErrorHandling(app),
 * before any route plugin is registered.
 */
export function protectReadRoutes(app: FastifyInstance, deps: ConsoleAuthDeps): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const url = request.routeOptions.url;
    if (url === undefined) return; // no such route: the not-found handler answers
    const access = accessOf(request.method, url);
    if (!access) {
      throw new KeywardenError('forbidden', `no access rule is declared for ${request.method} ${url}`);
    }
    if (access.kind === 'public') return;
    if (access.kind === 'cabinet') {
      // The terminal's own preHandler verifies the token; refusing a request without one here, before the
      // body is validated, tells a caller without a token nothing about what the body should hold.
      // A WebSocket upgrade from a browser carries the token as the `bearer.<token>` subprotocol instead.
      const bearerSubprotocol =
        String(request.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
        /(^|,)\s*bearer\.\S/.test(String(request.headers['sec-websocket-protocol'] ?? ''));
      if (!/^Bearer \S/.test(request.headers.authorization ?? '') && !bearerSubprotocol) {
        throw new KeywardenError(
          'cabinet_unauthorized',
          'this request needs a valid cabinet token (Authorization: Bearer ...)',
        );
      }
      return;
    }
    const user = await checkPermission(request, deps, access.action);
    if (access.action !== 'checkouts.read' || !onlyOverTeam(user.roles, access.action)) return;

    const team = new Set(user.team);
    if (url === '/api/v1/checkouts/:id') {
      const { id } = request.params as { id?: string };
      const row = id
        ? await deps.store.db
            .selectFrom('checkouts')
            .select('person_id')
            .where('id', '=', id)
            .executeTakeFirst()
        : undefined;
      if (row && !team.has(row.person_id)) {
        throw new KeywardenError('forbidden', 'this checkout is not of your team');
      }
      return;
    }
    const { person } = request.query as { person?: unknown };
    if (person !== undefined && (typeof person !== 'string' || !team.has(person))) {
      throw new KeywardenError('forbidden', `${String(person)} is not in your team`);
    }
    request.checkoutsTeam = team;
  });

  app.addHook('preSerialization', async (request: FastifyRequest, _reply, payload: unknown) => {
    const team = request.checkoutsTeam;
    if (!team || typeof payload !== 'object' || payload === null) return payload;
    const list = (payload as { checkouts?: unknown }).checkouts;
    if (!Array.isArray(list)) return payload;
    return {
      ...payload,
      checkouts: list.filter((checkout: { person?: string }) => team.has(String(checkout.person))),
    };
  });
}
