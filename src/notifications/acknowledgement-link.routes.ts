/**
 * The one-time acknowledgement link of a message: `GET /ack/:token` serves a tiny self-contained page with
 * a button (a GET never acknowledges: mail scanners and link previews fetch links), and
 * `POST /api/v1/acknowledgements/:token` acknowledges. Both routes are PUBLIC in the access table: the
 * token is the authority. It is 256 random bits sent only to that recipient, stored as SHA-256, and works
 * once; it acknowledges one event and opens nothing else.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeywardenError } from '../domain/errors.js';
import { escapeHtml } from '../domain/notifications/template.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { acknowledgeByLink, describeAckLink } from './acknowledgements.service.js';
import type { TemplateContext } from './templates.service.js';

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const FORM = 'application/x-www-form-urlencoded';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} - Keywarden</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
button{font-size:1.2rem;padding:.7rem 1.4rem;border-radius:.4rem;border:0;background:#1d4ed8;color:#fff}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

export const acknowledgementLinkRoutes: FastifyPluginAsyncZod<{
  store: Store;
  context: TemplateContext;
}> = async (app, { store, context }) => {
  // The page's form posts url-encoded; this plugin's routes read no fields from it.
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 1024 }, (_request, _body, done) =>
    done(null, {}),
  );
  const tokenParams = z.object({ token: z.string().min(1).max(200) });

  app.get(
    '/ack/:token',
    {
      schema: {
        tags: ['notifications'],
        summary: 'The page of a one-time acknowledgement link (public: the token is the authority)',
        params: tokenParams,
        response: { 200: z.string(), 404: z.string() },
      },
    },
    async (request, reply) => {
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', CSP)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff');
      try {
        const link = await describeAckLink(store.db, request.params.token);
        if (link.used) return page('Already acknowledged', '<p>This link was used already.</p>');
        return page(
          'Acknowledge',
          `<p>${escapeHtml(link.summary)}</p>
<form method="post" action="/api/v1/acknowledgements/${encodeURIComponent(request.params.token)}">
<button type="submit">Acknowledge</button></form>
<p>Acknowledging tells everyone notified that you are dealing with it, and stops the escalation.</p>`,
        );
      } catch (error) {
        if (!(error instanceof KeywardenError)) throw error;
        return reply
          .status(404)
          .send(page('Link not valid', '<p>This acknowledgement link is not valid.</p>'));
      }
    },
  );

  app.post(
    '/api/v1/acknowledgements/:token',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Acknowledges the event of a one-time link (public: the token is the authority; works once)',
        params: tokenParams,
        response: {
          200: z.union([
            z.object({
              event: z.string(),
              acknowledgedBy: z.string(),
              acknowledgedAt: timestamp,
              already: z.boolean(),
            }),
            z.string(),
          ]),
          404: z.union([errorSchema, z.string()]),
          409: z.union([errorSchema, z.string()]),
        },
      },
    },
    async (request, reply) => {
      const fromPage = (request.headers['content-type'] ?? '').startsWith(FORM);
      try {
        const ack = await store.db
          .transaction()
          .execute((trx) => acknowledgeByLink(trx, context, request.params.token));
        if (!fromPage) {
          return {
            event: ack.event,
            acknowledgedBy: ack.acknowledgedBy,
            acknowledgedAt: ack.acknowledgedAt,
            already: ack.already,
          };
        }
        reply.type('text/html; charset=utf-8').header('content-security-policy', CSP);
        return page(
          'Acknowledged',
          ack.already
            ? `<p>It had been acknowledged already, at ${escapeHtml(ack.acknowledgedAt)} (UTC).</p>`
            : '<p>Thank you: the event is acknowledged and its escalation stopped.</p>',
        );
      } catch (error) {
        if (!fromPage || !(error instanceof KeywardenError)) throw error;
        const used = error.code === 'ack_link_used';
        return reply
          .status(used ? 409 : 404)
          .type('text/html; charset=utf-8')
          .header('content-security-policy', CSP)
          .send(page(used ? 'Already used' : 'Link not valid', `<p>${escapeHtml(error.message)}.</p>`));
      }
    },
  );
};
