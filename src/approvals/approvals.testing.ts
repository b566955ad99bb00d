/**
 * The test bed of the approval routes: Riverside active, a server with the console, the terminal and the
 * approval routes, two console users who approve (p-okafor: admin, supervisor of p-haddad; p-chen:
 * supervisor of p-ruiz and p-novak) with passwords and authenticators, and helpers to ask for approvals.
 */
import type { FastifyInstance } from 'fastify';
import { buildConsoleServer } from '../console/console-server.testing.js';
import { startConsoleSession } from '../console/console-sessions.service.js';
import { createAdmin, grantConsoleRole, setPassword } from '../console/console-users.service.js';
import { enrolTotp } from '../credentials/credentials.service.js';
import { type CredentialTestBed, createCredentialTestBed } from '../credentials/credentials.testing.js';
import { createFactorChecks } from '../credentials/factor-verification.js';
import { relyingParty } from '../credentials/webauthn-config.js';
import { decodeBase32, totpCode } from '../domain/credentials/totp.js';
import type { Dialect } from '../store/database.js';
import { type Approval, requestApproval } from './approvals.service.js';

export const PASSWORDS: Record<string, string> = {
  'p-okafor': 'violet kettle under 9 ferns',
  'p-chen': 'granite heron at the 4th bridge',
};

export interface ApprovalTestBed extends CredentialTestBed {
  app: FastifyInstance;
  /** A fresh authenticator code of a person: the clock moves on 31 s first (each code works once). */
  code(person: 'p-okafor' | 'p-chen'): Promise<string>;
  /** A console session's headers (cookie and CSRF token). */
  consoleHeaders(person: string): Promise<Record<string, string>>;
  /** Asks for an approval as a terminal would; returns the request and its links from the outbox event. */
  ask(input: { person: string; key: string; approver?: string }): Promise<{
    approval: Approval;
    links: Record<string, string>;
  }>;
  close(): Promise<void>;
}

export async function createApprovalTestBed(dialect: Dialect): Promise<ApprovalTestBed> {
  const bed = await createCredentialTestBed(dialect);
  const { context } = bed;
  const seeds: Record<string, Uint8Array> = {};
  await bed.db.transaction().execute(async (trx) => {
    const admin = await createAdmin(trx, context, 'p-okafor', PASSWORDS['p-okafor'] as string, { by: 'cli' });
    seeds['p-okafor'] = decodeBase32(new URL(admin.totpUri as string).searchParams.get('secret') as string);
    await grantConsoleRole(trx, context, 'p-chen', 'supervisor', { by: 'p-okafor' });
    await grantConsoleRole(trx, context, 'p-berg', 'key-manager', { by: 'p-okafor' });
    await grantConsoleRole(trx, context, 'p-novak', 'auditor', { by: 'p-okafor' });
    await setPassword(trx, context, 'p-chen', PASSWORDS['p-chen'] as string, { by: 'p-okafor' });
    seeds['p-chen'] = decodeBase32((await enrolTotp(trx, context, 'p-chen')).secret);
  });
  const rp = relyingParty({ id: 'localhost', origins: ['http://localhost:8080'] });
  // The console tests' raised rate limits: these tests sign in and use links more than 10 times a minute.
  const app = await buildConsoleServer({
    store: bed.database.store,
    now: context.now,
    terminal: { ...context, factors: createFactorChecks(context), rp },
    console: context,
    approvals: context,
  });
  await app.ready();
  return {
    ...bed,
    app,
    async code(person) {
      bed.clock.advance(31_000);
      return totpCode(seeds[person] as Uint8Array, bed.clock.now().getTime(), {
        algorithm: 'SHA1',
        digits: 6,
        stepSeconds: 30,
      });
    },
    async consoleHeaders(person) {
      const opened = await startConsoleSession(bed.db, person, bed.clock.now());
      return { cookie: `kw_session=${opened.token}`, 'x-csrf-token': opened.csrfToken };
    },
    async ask({ person, key, approver = 'supervisor' }) {
      const { approval } = await bed.db.transaction().execute((trx) =>
        requestApproval(trx, context, {
          person,
          key,
          cabinet: 'central-a',
          reason: 'emergency-repair',
          approver,
        }),
      );
      const event = await bed.db
        .selectFrom('outbox')
        .select('payload')
        .where('idempotency_key', '=', `approval-requested-${approval.id}`)
        .executeTakeFirstOrThrow();
      return { approval, links: (JSON.parse(event.payload) as { links: Record<string, string> }).links };
    },
    async close() {
      await app.close();
      await bed.drop();
    },
  };
}
