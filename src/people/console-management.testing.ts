/**
 * A test bed for the console's people, cabinets and sites routes: the Riverside policy active, one console
 * user per role (p-okafor admin, p-berg key manager, p-chen supervisor, p-haddad auditor), the whole server
 * (terminal, console, management) with its log lines captured, and helpers that call it as a signed-in user
 * or as a cabinet terminal.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { startConsoleSession } from '../console/console-sessions.service.js';
import { grantConsoleRole } from '../console/console-users.service.js';
import { type CredentialTestBed, createCredentialTestBed } from '../credentials/credentials.testing.js';
import { createFactorChecks } from '../credentials/factor-verification.js';
import { relyingParty } from '../credentials/webauthn-config.js';
import { fingerprintFactorVerifier } from '../credentials/webauthn-factor.js';
import type { ConsoleRole } from '../domain/console/console-roles.js';
import { buildServer } from '../http/server.js';
import type { Dialect } from '../store/database.js';

export const CONSOLE_ORIGIN = 'http://localhost:8080';

export const MEMBERS: Record<ConsoleRole, string> = {
  admin: 'p-okafor',
  'key-manager': 'p-berg',
  supervisor: 'p-chen',
  auditor: 'p-haddad',
};

export interface ConsoleManagementBed extends CredentialTestBed {
  app: FastifyInstance;
  /** Every line the server logged (pino JSON at trace level). */
  logLines: string[];
  /** A request as a console user with a fresh session (cookie and CSRF token). */
  as(person: string, options: InjectOptions): Promise<LightMyRequestResponse>;
  /** A request as a cabinet's terminal. */
  asCabinet(token: string, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function createConsoleManagementBed(dialect: Dialect): Promise<ConsoleManagementBed> {
  const bed = await createCredentialTestBed(dialect);
  const { context } = bed;
  await bed.db.transaction().execute(async (trx) => {
    for (const [role, person] of Object.entries(MEMBERS)) {
      await grantConsoleRole(trx, context, person, role, { by: 'cli' });
    }
  });
  const rp = relyingParty({ id: 'localhost', origins: [CONSOLE_ORIGIN] });
  const factors = createFactorChecks({
    ...context,
    fingerprintVerifier: (where) =>
      fingerprintFactorVerifier({ audit: context.audit, rp }, { sessionId: where.session ?? undefined }),
  });
  const logLines: string[] = [];
  const app = await buildServer({
    store: bed.database.store,
    now: context.now,
    logger: { level: 'trace', stream: { write: (line: string) => logLines.push(line) } },
    terminal: { ...context, factors, rp },
    console: context,
    consoleManagement: { ...context, rp },
  });
  await app.ready();
  return {
    ...bed,
    app,
    logLines,
    async as(person, options) {
      const session = await startConsoleSession(bed.db, person, context.now());
      return app.inject({
        ...options,
        headers: {
          ...(options.headers ?? {}),
          cookie: `kw_session=${session.token}`,
          'x-csrf-token': session.csrfToken,
        },
      });
    },
    asCabinet(token, options) {
      return app.inject({
        ...options,
        headers: { ...(options.headers ?? {}), authorization: `Bearer ${token}` },
      });
    },
    async close() {
      await app.close();
      await bed.drop();
    },
  };
}
