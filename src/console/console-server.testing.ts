/** The server as the console tests need it: buildServer with the console's services. */
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions } from '../http/server.js';
import type { ConsoleContext } from './console-sessions.service.js';

export async function buildConsoleServer(
  options: ServerOptions & { console: ConsoleContext },
): Promise<FastifyInstance> {
  return buildServer(options);
}
