/**
 * Approval requests in the console (docs/console.md): the list (supervisors: their team's), one request,
 * and the decision. Deciding needs a person signed in with two factors (a console session: password and a
 * second factor; never an API token), a role that may decide, and to be an approver the rule names; the
 * outcome is audited and, after commit, published on the live bus so a waiting terminal learns it at once.
 * The one-time link routes (approval-link.routes.ts) are registered from here: they share the context.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SignedInUser } from '../console/console-auth.js';
import type { ConsoleContext } from '../console/console-sessions.service.js';
import { KeywardenError } from '../domain/errors.js';
import { decodeCursor, linkNextPage, pageQuery } from '../http/pagination.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { LiveEvents } from '../live/live-events.js';
import type { Store } from '../store/database.js';
import { assertMayDecide, assertMayRead, readsOnlyTeam } from './approval-access.js';
import { approvalTopic } from './approval-events.js';
import { approvalLinkRoutes } from './approval-link.routes.js';
import {
  decideApproval,
  describeApproval,
  eligibleApprovers,
  getApproval,
  listApprovals,
} from './approvals.service.js';

/** The console's services plus the live bus that tells waiting terminals. */
export type ApprovalRoutesContext = ConsoleContext & { live: LiveEvents };

const STATUSES = ['pending', 'approved', 'denied', 'expired', 'used'] as const;

export const approvalSchema = z.object({
  id: z.string(),
  person: z.string(),
  key: z.string(),
  cabinet: z.string(),
  reason: z.string().nullable(),
  approver: z.string().describe('supervisor or role:<id>, as the rule names it'),
  status: z.enum(STATUSES).describe('expired: pending past expiresAt; used: a checkout took the key with it'),
  requestedAt: timestamp,
  expiresAt: timestamp,
  decidedAt: timestamp.nullable(),
  decidedBy: z.string().nullable(),
});

const descriptionSchema = z.object({
  personName: z.string(),
  keyLabel: z.string(),
  cabinetName: z.string(),
  siteName: z.string(),
  timezone: z.string().describe("the site's IANA zone: show local times in it"),
  reasonLabel: z.string().nullable(),
});

function signedIn(request: { consoleUser?: SignedInUser }): SignedInUser {
  // The root onRequest hook (protect-read-routes.ts) has authenticated every request that gets here.
  if (!request.consoleUser) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  return request.consoleUser;
}

export const approvalsRoutes: FastifyPluginAsyncZod<{
  store: Store;
  context: ApprovalRoutesContext;
}> = async (app, { store, context }) => {
  const db = store.db;

  app.get(
    '/api/v1/approvals',
    {
      schema: {
        tags: ['approvals'],
        summary: 'Approval requests, newest first (supervisors: their team only)',
        querystring: z.object({ status: z.enum(STATUSES).optional(), ...pageQuery }),
        response: {
          200: z.object({ approvals: z.array(approvalSchema), next: z.string().nullable() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      const { status, limit, cursor } = request.query;
      const after = decodeCursor(cursor);
      if (after && (after.length !== 2 || !after.every((part) => typeof part === 'string')))
        throw new KeywardenError('invalid_request', 'the cursor is not one this server gave out');
      // A supervisor's list is limited in the query itself: another team's row is never read.
      const people = readsOnlyTeam(user) ? user.team : undefined;
      const page = await listApprovals(db, context.now(), {
        status,
        people,
        limit,
        after: after as [string, string] | null,
      });
      return { approvals: page.approvals, next: linkNextPage(request, reply, page.nextKey) };
    },
  );

  app.get(
    '/api/v1/approvals/:id',
    {
      schema: {
        tags: ['approvals'],
        summary: 'One approval request, with names, its site’s zone and who may decide it',
        params: z.object({ id: z.string().max(100) }),
        response: {
          200: z.object({
            approval: approvalSchema,
            description: descriptionSchema,
            approvers: z.array(z.string()).describe('the people the rule names as approvers now'),
          }),
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const user = signedIn(request);
      const approval = await getApproval(db, request.params.id, context.now());
      assertMayRead(user, approval);
      return {
        approval,
        description: await describeApproval(db, approval),
        approvers: await eligibleApprovers(db, approval.person, approval.approver),
      };
    },
  );

  app.post(
    '/api/v1/approvals/:id/decision',
    {
      schema: {
        tags: ['approvals'],
        summary: 'Approve or deny a pending request you are an approver of',
        description:
          'Needs a console session (password and second factor; API tokens cannot decide) and the CSRF header. 403 when your role may not decide, the requester is not of your team (supervisors), or the rule does not name you; 409 approval_not_usable when the request is no longer pending.',
        params: z.object({ id: z.string().max(100) }),
        body: z.object({
          decision: z.enum(['approve', 'deny']),
          note: z.string().max(500).optional().describe('recorded in the audit log with the decision'),
        }),
        response: {
          200: z.object({ approval: approvalSchema }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const user = signedIn(request);
      if (!user.sessionId) {
        throw new KeywardenError(
          'forbidden',
          'deciding an approval needs a person signed in with two factors',
        );
      }
      const approval = await db.transaction().execute(async (trx) => {
        const found = await getApproval(trx, request.params.id, context.now());
        assertMayRead(user, found);
        assertMayDecide(user, found, await eligibleApprovers(trx, found.person, found.approver));
        return decideApproval(trx, context, {
          id: found.id,
          by: user.person,
          approve: request.body.decision === 'approve',
          via: 'console',
          note: request.body.note?.trim() || null,
        });
      });
      // A hint after commit: the terminal's event stream re-reads the row.
      context.live.publish(approvalTopic(approval.id), { status: approval.status });
      return { approval };
    },
  );

  await app.register(approvalLinkRoutes, { store, context });
};
