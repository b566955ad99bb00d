/**
 * GET /api/v1/cabinets/{cabinet}/connection, upgraded to the cabinet protocol's WebSocket
 * (docs/cabinet-protocol.md). The cabinet's token authenticates the upgrade, before any frame: in the
 * Authorization header (`Bearer kwc_...`), or, from a browser that cannot set one, as the subprotocol
 * `bearer.kwc_...` offered beside `keywarden-cabinet.v1`. Never in the URL, which proxies and logs keep.
 * A refused upgrade is an ordinary HTTP answer (401 cabinet_unauthorized) and no socket is opened.
 */
import type {} from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { KeywardenError } from '../../domain/errors.js';
import type { Store } from '../../store/database.js';
import { cabinetOfToken } from '../cabinet-tokens.service.js';
import type { CabinetConnections } from './cabinet-connections.js';
import { BEARER_SUBPROTOCOL_PREFIX, CABINET_PROTOCOL } from './messages.js';

/** The token of an upgrade request: the Authorization header, else the `bearer.` subprotocol. */
export function cabinetTokenOf(headers: FastifyRequest['headers']): string {
  const header = headers.authorization ?? '';
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  const offered = String(headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim());
  const bearer = offered.find((protocol) => protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  return bearer ? bearer.slice(BEARER_SUBPROTOCOL_PREFIX.length) : '';
}

/**
 * The subprotocol the server answers with: ours when offered, never the token. (A browser that offered
 * protocols fails the connection unless the server selects one of them.)
 */
export function selectSubprotocol(offered: Set<string>): string | false {
  if (offered.has(CABINET_PROTOCOL)) return CABINET_PROTOCOL;
  for (const protocol of offered) if (!protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX)) return protocol;
  return false;
}

export const cabinetConnectionRoutes: FastifyPluginAsyncZod<{
  store: Store;
  now: () => Date;
  connections: CabinetConnections;
}> = async (app, { store, now, connections }) => {
  app.addHook('preClose', async () => {
    await connections.close();
  });
  app.addHook('onReady', async () => {
    await connections.start();
  });
  // A refused upgrade was answered over the raw socket, which no HTTP server tracks any more: end it, or it
  // stays half open (and holds the server's close). @fastify/websocket does this only for requests its own
  // onRequest hook saw, and the access check (protect-read-routes.ts) may refuse before it runs.
  app.addHook('onResponse', async (request) => {
    if (String(request.headers.upgrade ?? '').toLowerCase() === 'websocket') request.raw.socket?.destroy();
  });

  app.get(
    '/api/v1/cabinets/:cabinet/connection',
    {
      websocket: true,
      schema: { params: z.object({ cabinet: z.string().min(1).max(100) }) },
      preHandler: async (request: FastifyRequest) => {
        const token = cabinetTokenOf(request.headers);
        const cabinet = token ? await cabinetOfToken(store.db, token, now()) : null;
        const { cabinet: wanted } = request.params as { cabinet: string };
        if (!cabinet || cabinet !== wanted) {
          throw new KeywardenError(
            'cabinet_unauthorized',
            cabinet
              ? `this token belongs to another cabinet than "${wanted}"`
              : 'this connection needs a valid cabinet token (Authorization: Bearer ..., or the bearer.<token> subprotocol)',
          );
        }
        if (!request.ws) {
          throw new KeywardenError(
            'invalid_request',
            'this endpoint speaks the cabinet protocol over a WebSocket: send an upgrade request',
          );
        }
      },
    },
    (socket, request) => {
      const { cabinet } = request.params as { cabinet: string };
      connections.attach(cabinet, cabinetTokenOf(request.headers), socket, request.log);
    },
  );
};
