/**
 * Reading people from the console: GET /api/v1/people (filtered, paged) and GET /api/v1/people/{id} (roles,
 * supervisor, contact, console roles, credentials without secrets, lockout). Access is `people.read` in
 * ROUTE_ACCESS; supervisors hold it over their team and themselves only: the list is filtered in the query
 * (so pages stay full) and another person answers 403.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SignedInUser } from '../console/console-auth.js';
import { CONSOLE_ROLES, onlyOverTeam } from '../domain/console/console-roles.js';
import { KeywardenError } from '../domain/errors.js';
import { decodeCursor, linkNextPage, pageQuery } from '../http/pagination.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { CREDENTIAL_KINDS, findPersonDetail, listPeople } from './people.queries.js';

const personSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  active: z.boolean(),
  roles: z.array(z.string()).describe('job roles from the directory'),
  supervisor: z.string().nullable(),
  consoleRoles: z.array(z.enum(CONSOLE_ROLES)),
  factors: z.array(z.enum(CREDENTIAL_KINDS)).describe('kinds of live credential held'),
});

export const credentialViewSchema = z.object({
  id: z
    .string()
    .describe('the credential id, for DELETE .../badges/{credential} and .../fingerprints/{credential}'),
  kind: z.enum(CREDENTIAL_KINDS),
  badgeEnding: z.string().optional().describe('badges: the last four characters only'),
  label: z.string().nullable().optional().describe('fingerprints: the label given at enrolment'),
  credentialId: z.string().optional().describe('fingerprints: the WebAuthn credential id'),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
});

export const lockoutSchema = z.object({
  locked: z.boolean(),
  lockedUntil: timestamp.nullable().describe('while locked; the end of the last lock otherwise'),
  consecutiveFailures: z.number().int(),
  lockouts: z.number().int().describe('lockouts since the last successful sign-in; each lasts twice as long'),
});

const personDetailSchema = personSummarySchema.extend({
  email: z.string().nullable(),
  phone: z.string().nullable(),
  updatedAt: timestamp,
  credentials: z.array(credentialViewSchema),
  lockout: lockoutSchema,
});

const booleanText = z.enum(['true', 'false']).transform((text) => text === 'true');

/**
 * The people a supervisor may see (their team and themself), or undefined when the user's other roles
 * give them everyone.
 */
export function visiblePeople(user: SignedInUser): ReadonlySet<string> | undefined {
  if (!onlyOverTeam(user.roles, 'people.read')) return undefined;
  return new Set([...user.team, user.person]);
}

function signedInUser(request: FastifyRequest): SignedInUser {
  // Set by the access hook (protect-read-routes.ts) before any console route runs.
  const user = request.consoleUser;
  if (!user) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  return user;
}

export const peopleRoutes: FastifyPluginAsyncZod<{ store: Store; now: () => Date }> = async (
  app,
  { store, now },
) => {
  const db = store.db;

  app.get(
    '/api/v1/people',
    {
      schema: {
        tags: ['people'],
        summary: 'List people (supervisors: their team and themselves)',
        querystring: z.object({
          ...pageQuery,
          active: booleanText.optional().describe('true: active people only; false: inactive only'),
          role: z.string().max(100).optional().describe('people holding this job role'),
          q: z.string().max(100).optional().describe('text in the id or name, case-insensitive'),
        }),
        response: {
          200: z.object({ people: z.array(personSummarySchema), next: z.string().nullable() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { limit, cursor, active, role, q } = request.query;
      const after = decodeCursor(cursor);
      const visible = visiblePeople(signedInUser(request));
      const rows = await listPeople(db, {
        limit,
        ...(after ? { after: String(after[0]) } : {}),
        ...(active !== undefined ? { active } : {}),
        ...(role !== undefined ? { role } : {}),
        ...(q !== undefined ? { q } : {}),
        ...(visible ? { only: [...visible] } : {}),
      });
      const page = rows.slice(0, limit);
      const next = linkNextPage(
        request,
        reply,
        rows.length > limit ? [page[page.length - 1]?.id ?? ''] : null,
      );
      return { people: page, next };
    },
  );

  app.get(
    '/api/v1/people/:id',
    {
      schema: {
        tags: ['people'],
        summary:
          'One person: roles, supervisor, contact, console roles, credentials (never secrets), lockout',
        params: z.object({ id: z.string().max(100) }),
        querystring: z.object({
          revoked: booleanText.optional().describe('true: list revoked credentials too'),
        }),
        response: {
          200: z.object({ person: personDetailSchema }),
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const visible = visiblePeople(signedInUser(request));
      // Checked before the lookup, so a supervisor learns nothing about who exists outside their team.
      if (visible && !visible.has(id)) throw new KeywardenError('forbidden', `${id} is not in your team`);
      const person = await findPersonDetail(db, id, now(), {
        includeRevoked: request.query.revoked === true,
      });
      if (!person) throw new KeywardenError('unknown_person', `person "${id}" is not in the directory`);
      const { person: _id, ...lockout } = person.lockout;
      return { person: { ...person, lockout } };
    },
  );
};
