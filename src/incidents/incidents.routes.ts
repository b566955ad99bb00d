/**
 * Incidents in the console: the list (open ones first thing a manager sees), one incident with its
 * timeline, notes, assignment and closing with a resolution note. Supervisors see and handle their team's
 * incidents and those they own; auditors read only (the access table says so).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SignedInUser } from '../console/console-auth.js';
import { type ConsoleAction, onlyOverTeam } from '../domain/console/console-roles.js';
import { KeywardenError } from '../domain/errors.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import {
  addIncidentNote,
  assignIncident,
  closeIncident,
  getIncident,
  type Incident,
  type IncidentContext,
  listIncidents,
} from './incidents.service.js';

const incidentSchema = z.object({
  id: z.string(),
  kind: z.string().describe('what caused it: unauthorised-removal, overdue, denied'),
  status: z.enum(['open', 'closed']),
  person: z.string().nullable(),
  key: z.string().nullable(),
  checkout: z.string().nullable(),
  owner: z.string().nullable(),
  summary: z.string(),
  openedAt: timestamp,
  closedAt: timestamp.nullable(),
  resolution: z.string().nullable(),
});
const detailSchema = incidentSchema.extend({
  timeline: z.array(
    z.object({
      at: timestamp,
      kind: z.enum(['opened', 'event', 'note', 'assigned', 'closed']),
      actor: z.string().nullable(),
      eventType: z.string().nullable(),
      event: z.string().nullable(),
      text: z.string().nullable(),
    }),
  ),
});
const idParams = z.object({ id: z.string().min(1).max(100) });

function signedIn(request: { consoleUser?: SignedInUser }): SignedInUser {
  // The root onRequest hook (protect-read-routes.ts) authenticated every request that gets here.
  if (!request.consoleUser) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  return request.consoleUser;
}

/** A supervisor (only) reaches incidents of their team or that they own. */
function assertReaches(user: SignedInUser, action: ConsoleAction, incident: Incident): void {
  if (!onlyOverTeam(user.roles, action)) return;
  const mine =
    incident.owner === user.person || (incident.person !== null && user.team.includes(incident.person));
  if (!mine) throw new KeywardenError('forbidden', 'this incident is not of your team');
}

export const incidentsRoutes: FastifyPluginAsyncZod<{ store: Store; context: IncidentContext }> = async (
  app,
  { store, context },
) => {
  app.get(
    '/api/v1/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incidents, newest first (supervisors: their team and their own)',
        querystring: z.object({
          status: z.enum(['open', 'closed']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ incidents: z.array(incidentSchema) }), 400: errorSchema },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const team = onlyOverTeam(user.roles, 'incidents.read')
        ? { owner: user.person, people: user.team }
        : undefined;
      return {
        incidents: await listIncidents(store.db, { ...request.query, ...(team ? { team } : {}) }),
      };
    },
  );

  app.get(
    '/api/v1/incidents/:id',
    {
      schema: {
        tags: ['incidents'],
        summary: 'One incident with its timeline',
        params: idParams,
        response: { 200: detailSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const incident = await getIncident(store.db, request.params.id);
      assertReaches(signedIn(request), 'incidents.read', incident);
      return incident;
    },
  );

  app.post(
    '/api/v1/incidents/:id/notes',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Adds a note to the timeline (audited)',
        params: idParams,
        body: z.object({ text: z.string().trim().min(1).max(10_000) }),
        response: { 200: detailSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const user = signedIn(request);
      return store.db.transaction().execute(async (trx) => {
        assertReaches(user, 'incidents.manage', await getIncident(trx, request.params.id));
        return addIncidentNote(trx, context, {
          id: request.params.id,
          by: user.person,
          text: request.body.text,
        });
      });
    },
  );

  app.post(
    '/api/v1/incidents/:id/assign',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Gives an open incident to another owner (audited)',
        params: idParams,
        body: z.object({ owner: z.string().min(1).max(100) }),
        response: {
          200: detailSchema,
          400: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const user = signedIn(request);
      return store.db.transaction().execute(async (trx) => {
        assertReaches(user, 'incidents.manage', await getIncident(trx, request.params.id));
        return assignIncident(trx, context, {
          id: request.params.id,
          by: user.person,
          owner: request.body.owner,
        });
      });
    },
  );

  app.post(
    '/api/v1/incidents/:id/close',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Closes an open incident; refused (422 resolution_required) without a resolution note',
        params: idParams,
        body: z.object({ resolution: z.string().max(10_000).optional() }),
        response: {
          200: detailSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request) => {
      const user = signedIn(request);
      return store.db.transaction().execute(async (trx) => {
        assertReaches(user, 'incidents.manage', await getIncident(trx, request.params.id));
        return closeIncident(trx, context, {
          id: request.params.id,
          by: user.person,
          resolution: request.body.resolution,
        });
      });
    },
  );
};
