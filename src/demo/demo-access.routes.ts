/**
 * Demo-only endpoints, registered only under `serve --demo` and answering only requests from this machine
 * (loopback): the kiosk page fetches its cabinet's token from here so it works out of the box, and the
 * console's sign-in page shows the demo users, their password and the authenticator code valid now.
 *
 * The trade-off, on purpose: anyone who can reach the server from this machine can take a kiosk token and
 * sign in to the console as the demo admin. That is what a demo is for; a real installation never has these
 * routes (no --demo), and kiosks get their token pasted by an administrator (docs/web.md).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeywardenError } from '../domain/errors.js';
import { errorSchema } from '../http/schemas.js';
import type { DemoAccess } from './demo-access.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function assertLoopback(request: FastifyRequest): void {
  if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
    throw new KeywardenError('not_found', 'the demo endpoints answer only on this machine (loopback)');
  }
}

export const demoAccessRoutes: FastifyPluginAsyncZod<{ access: DemoAccess }> = async (app, { access }) => {
  app.get(
    '/api/v1/demo/kiosk-tokens/:cabinet',
    {
      schema: {
        tags: ['demo'],
        summary: 'DEMO ONLY (serve --demo, loopback): the kiosk token of a cabinet',
        params: z.object({ cabinet: z.string().max(100) }),
        response: { 200: z.object({ token: z.string() }), 404: errorSchema },
      },
    },
    async (request) => {
      assertLoopback(request);
      const token = access.kioskTokens.get(request.params.cabinet);
      if (!token) throw new KeywardenError('not_found', `there is no cabinet "${request.params.cabinet}"`);
      return { token };
    },
  );

  app.get(
    '/api/v1/demo/hints',
    {
      schema: {
        tags: ['demo'],
        summary:
          'DEMO ONLY (serve --demo, loopback): credentials to try, with the authenticator codes valid now',
        response: {
          200: z.object({
            officer: z.object({ person: z.string(), name: z.string(), badge: z.string(), pin: z.string() }),
            consoleUsers: z.array(
              z.object({
                person: z.string(),
                name: z.string(),
                role: z.string(),
                password: z.string(),
                code: z.string(),
              }),
            ),
          }),
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      assertLoopback(request);
      reply.header('cache-control', 'no-store');
      return {
        officer: access.officer,
        consoleUsers: await Promise.all(
          access.consoleUsers.map(async ({ person, name, role, password, code }) => ({
            person,
            name,
            role,
            password,
            code: await code(),
          })),
        ),
      };
    },
  );
};
