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
import type { Store } from '../store/database.js';
import { checkPermission } from './console-auth.js';

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
  'GET /api/v1/policy-versions': can('policy.read'),
  'GET /api/v1/policy-versions/:version': can('policy.read'),
  'GET /api/v1/policy-versions/:version/procedure': can('policy.read'),

  'POST /api/v1/console/sessions': PUBLIC,
  'DELETE /api/v1/console/sessions/current': can('console.self'),
  'GET /api/v1/console/me': can('console.self'),

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
export function protectReadRoutes(app: FastifyInstance, deps: { store: Store; now: () => Date }): void {
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
      if (!/^Bearer \S/.test(request.headers.authorization ?? '')) {
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
