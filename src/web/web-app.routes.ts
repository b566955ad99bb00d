/**
 * The web app (web/, built by Vite into web/dist) served by the API's own process: the kiosk terminal at
 * /kiosk/{cabinet} and the console at /console. Every page route answers the same index.html (the app
 * routes itself in the browser); hashed bundles under /assets are cached for a year. The pages talk only to
 * the documented API.
 *
 * Security headers on every answer here: a Content-Security-Policy without inline scripts, no framing
 * (clickjacking a kiosk or the console), no Referer leaving the page, no MIME sniffing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { KeywardenError } from '../domain/errors.js';

export const WEB_DIST = new URL('../../web/dist/', import.meta.url).pathname;

export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Why the web app cannot be served from `root`, or null when it can. */
export function webAppProblem(root: string = WEB_DIST): string | null {
  if (existsSync(join(root, 'index.html'))) return null;
  return `the web app is not built (${join(root, 'index.html')} is missing): run "npm run build:web" (npm start does it for you)`;
}

/** The paths of the app's pages; each answers index.html. The cabinet simulator sits beside its kiosk. */
export const WEB_PAGES = [
  '/kiosk',
  '/kiosk/:cabinet',
  '/kiosk/:cabinet/simulator',
  '/console',
  '/console/*',
] as const;

export const webAppRoutes: FastifyPluginAsync<{ root?: string }> = async (app, options) => {
  const root = options.root ?? WEB_DIST;
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', WEB_CONTENT_SECURITY_POLICY);
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
  });

  for (const page of WEB_PAGES) {
    app.get(page, { schema: { hide: true } }, async (_request, reply) => {
      const problem = webAppProblem(root);
      if (problem) throw new KeywardenError('web_not_built', problem);
      // Read on each request: a rebuild shows at the next page load, and the file is small.
      const html = readFileSync(join(root, 'index.html'), 'utf8');
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
    });
  }

  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    // Vite names every bundle by its content hash: a file never changes under its name.
    immutable: true,
    maxAge: '365d',
    index: false,
    schemaHide: true,
  });
};
