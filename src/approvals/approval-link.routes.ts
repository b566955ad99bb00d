/**
 * The one-time approval link (docs/console.md): `GET /approve/:token` shows the request and a form;
 * `POST /api/v1/approval-links/:token/decision` takes the approver's password, authenticator code and
 * decision. Both are public in ROUTE_ACCESS: the token names the approver and the two factors prove them;
 * the link alone grants nothing. The form works without JavaScript (a urlencoded post answered with a page);
 * a program may post JSON and gets JSON.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONSOLE_SIGN_IN_FAILED } from '../console/console-sessions.service.js';
import { KeywardenError } from '../domain/errors.js';
import { STATUS_BY_CODE } from '../http/error-mapping.js';
import { errorSchema } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { approvalTopic } from './approval-events.js';
import { decideThroughLink, LINK_NOT_USABLE, usableLink } from './approval-link-decision.js';
import { LINK_PAGE_HEADERS, writeLinkPage, writeLinkResultPage } from './approval-link-page.js';
import { type ApprovalRoutesContext, approvalSchema } from './approvals.routes.js';
import { describeApproval } from './approvals.service.js';

const FORM = 'application/x-www-form-urlencoded';
const tokenParams = z.object({ token: z.string().max(200) });
const decisionBody = z.object({
  password: z.string().min(1).max(1024),
  totp: z.string().min(1).max(16),
  decision: z.enum(['approve', 'deny']),
  note: z.string().max(500).optional(),
});

/**
 * The form's action, relative to where the page is served, so that it also works when a proxy serves
 * Keywarden under a path (KEYWARDEN_PUBLIC_URL=https://example.org/keys): from /approve/<token> it is
 * ../api/v1/approval-links/<token>/decision; from the decision URL itself (a page after a failed try), itself.
 */
const formAction = (token: string, servedAt: 'page' | 'decision') =>
  servedAt === 'page' ? `../api/v1/approval-links/${encodeURIComponent(token)}/decision` : 'decision';

function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM);
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.status(status).headers(LINK_PAGE_HEADERS).send(html);
}

export const approvalLinkRoutes: FastifyPluginAsyncZod<{
  store: Store;
  context: ApprovalRoutesContext;
}> = async (app, { store, context }) => {
  const db = store.db;
  // The page's form posts urlencoded; no plugin needed for flat fields. Small: three fields and a note.
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 8 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  /** The page of a link, with an optional notice above the form; the "cannot be used" page otherwise. */
  const linkPage = async (
    reply: FastifyReply,
    token: string,
    servedAt: 'page' | 'decision',
    status: number,
    notice?: string,
  ) => {
    const usable = await db.transaction().execute((trx) => usableLink(trx, token, context.now()));
    if (!usable) {
      return sendPage(
        reply,
        404,
        writeLinkResultPage({ title: 'This link cannot be used', message: LINK_NOT_USABLE, tone: 'no' }),
      );
    }
    const approver = await db
      .selectFrom('people')
      .select('name')
      .where('id', '=', usable.link.person)
      .executeTakeFirst();
    return sendPage(
      reply,
      status,
      writeLinkPage({
        approval: usable.approval,
        description: await describeApproval(db, usable.approval),
        approverName: approver?.name ?? usable.link.person,
        action: formAction(token, servedAt),
        notice,
      }),
    );
  };

  app.get(
    '/approve/:token',
    {
      schema: {
        tags: ['approvals'],
        summary: 'The page of a one-time approval link: the request and the decision form (HTML)',
        produces: ['text/html'],
        params: tokenParams,
        response: { 200: z.string(), 404: z.string() },
      },
    },
    async (request, reply) => linkPage(reply, request.params.token, 'page', 200),
  );

  app.post(
    '/api/v1/approval-links/:token/decision',
    {
      schema: {
        tags: ['approvals'],
        summary: 'Decide through a one-time link, with the approver’s password and authenticator code',
        description:
          'JSON or the page’s form (application/x-www-form-urlencoded, answered with a page). Every failed password or code answers 401 authentication_failed alike and counts towards the lockout shared with console sign-in and the cabinets. A used or expired link, or a request no longer pending, answers 409 approval_not_usable. The link works once.',
        params: tokenParams,
        body: decisionBody,
        response: {
          200: z.object({ approval: approvalSchema }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          409: errorSchema,
        },
      },
      // A form gets a page even for a malformed post; JSON gets the usual error body.
      attachValidation: true,
    },
    async (request, reply) => {
      const { token } = request.params;
      const form = isForm(request);
      if (request.validationError) {
        if (form)
          return linkPage(
            reply,
            token,
            'decision',
            400,
            'Fill in your password, your authenticator code and a decision.',
          );
        throw request.validationError;
      }
      const body = request.body;
      try {
        const outcome = await db.transaction().execute((trx) =>
          decideThroughLink(trx, context, {
            token,
            password: body.password,
            totp: body.totp,
            approve: body.decision === 'approve',
            note: body.note?.trim() || null,
          }),
        );
        // A failed sign-in is committed above (its count and audit entries) before it is answered.
        if (!outcome.ok) {
          if (outcome.failure === 'authentication_failed')
            throw new KeywardenError('authentication_failed', CONSOLE_SIGN_IN_FAILED);
          throw new KeywardenError('approval_not_usable', LINK_NOT_USABLE);
        }
        context.live.publish(approvalTopic(outcome.approval.id), { status: outcome.approval.status });
        if (!form) return { approval: outcome.approval };
        const approved = outcome.approval.status === 'approved';
        return sendPage(
          reply,
          200,
          writeLinkResultPage({
            title: approved ? 'Approved' : 'Denied',
            message: approved
              ? 'The request is approved: the cabinet lets the key be taken now. This link is used up.'
              : 'The request is denied. This link is used up.',
            tone: approved ? 'ok' : 'no',
          }),
        );
      } catch (error) {
        if (!form || !(error instanceof KeywardenError)) throw error;
        if (error.code === 'authentication_failed')
          return linkPage(
            reply,
            token,
            'decision',
            401,
            'That did not work: check your password and authenticator code.',
          );
        const status = STATUS_BY_CODE[error.code];
        return sendPage(
          reply,
          status,
          writeLinkResultPage({ title: 'No decision was recorded', message: error.message, tone: 'no' }),
        );
      }
    },
  );
};
