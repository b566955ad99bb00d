/**
 * API tokens on a real database: created by an admin and shown once, stored as a hash, listed without the
 * token, used as `Authorization: Bearer kwt_...` with the token's roles and no CSRF header, never opening
 * the terminal API, refused once revoked or expired, audited (creation, revocation, first use of a day);
 * and the `keywarden console token` commands.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueCabinetToken } from '../cabinets/cabinet-tokens.service.js';
import { type ConsoleCommandIo, registerConsoleCommands } from '../cli/console-command.js';
import {
  auditRows,
  auditText,
  type CredentialTestBed,
  createCredentialTestBed,
} from '../credentials/credentials.testing.js';
import { createFactorChecks } from '../credentials/factor-verification.js';
import { relyingParty } from '../credentials/webauthn-config.js';
import { testDialects } from '../store/test-databases.js';
import { buildConsoleServer } from './console-server.testing.js';
import { sha256Hex, startConsoleSession } from './console-sessions.service.js';
import { createAdmin, grantConsoleRole } from './console-users.service.js';

const PASSWORD = 'violet kettle under 9 ferns';

for (const dialect of await testDialects()) {
  describe(`API tokens on ${dialect}`, () => {
    let bed: CredentialTestBed;
    let app: FastifyInstance;
    let cabinetToken: string;

    const session = async (person: string) => {
      const opened = await startConsoleSession(bed.db, person, bed.clock.now());
      return { cookie: `kw_session=${opened.token}`, 'x-csrf-token': opened.csrfToken };
    };
    const create = async (body: Record<string, unknown>, person = 'p-okafor') =>
      app.inject({
        method: 'POST',
        url: '/api/v1/console/api-tokens',
        payload: body,
        headers: await session(person),
      });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    beforeAll(async () => {
      bed = await createCredentialTestBed(dialect);
      await bed.db.transaction().execute(async (trx) => {
        await createAdmin(trx, bed.context, 'p-okafor', PASSWORD, { by: 'cli' });
        await grantConsoleRole(trx, bed.context, 'p-berg', 'key-manager', { by: 'p-okafor' });
        await grantConsoleRole(trx, bed.context, 'p-chen', 'supervisor', { by: 'p-okafor' });
        cabinetToken = (await issueCabinetToken(trx, bed.context, { cabinet: 'central-a', by: 'p-okafor' }))
          .token;
      });
      const rp = relyingParty({ id: 'localhost', origins: ['http://localhost:8080'] });
      app = await buildConsoleServer({
        store: bed.database.store,
        now: bed.context.now,
        terminal: { ...bed.context, factors: createFactorChecks(bed.context), rp },
        console: { ...bed.context, rp },
      });
      await app.ready();
    });

    afterAll(async () => {
      await app.close();
      await bed.drop();
    });

    it('creates a token for an admin, answers it once with no-store, and keeps only its hash', async () => {
      const response = await create({ name: 'nightly report', roles: ['auditor'] });
      expect(response.statusCode).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      const { token, apiToken } = response.json();
      expect(token).toMatch(/^kwt_[\w-]{43}$/);
      expect(apiToken).toMatchObject({
        name: 'nightly report',
        roles: ['auditor'],
        createdBy: 'p-okafor',
        prefix: token.slice(0, 12),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      const row = await bed.db
        .selectFrom('api_tokens')
        .selectAll()
        .where('id', '=', apiToken.id)
        .executeTakeFirstOrThrow();
      expect(row.token_hash).toBe(sha256Hex(token));
      expect(JSON.stringify(row)).not.toContain(token);
      expect(await auditText(bed.db)).not.toContain(token);
      const [created] = (await auditRows(bed.db, ['console.api-token-created'])).slice(-1);
      expect(created).toMatchObject({ actor: 'p-okafor', data: { token: apiToken.id, roles: ['auditor'] } });

      const list = await app.inject({
        method: 'GET',
        url: '/api/v1/console/api-tokens',
        headers: await session('p-okafor'),
      });
      expect(list.statusCode).toBe(200);
      expect(list.body).not.toContain(token);
      expect(list.body).not.toContain(row.token_hash);
      expect(list.json().apiTokens.map((t: { id: string }) => t.id)).toContain(apiToken.id);
    });

    it('refuses supervisor and unknown roles, past expiry, and anyone but an admin', async () => {
      const supervisor = await create({ name: 'team view', roles: ['supervisor'] });
      expect(supervisor.statusCode).toBe(400);
      expect(supervisor.json().error.message).toContain('team');
      expect((await create({ name: 'x', roles: ['janitor'] })).statusCode).toBe(400);
      expect((await create({ name: 'x', roles: [] })).statusCode).toBe(400);
      const past = await create({ name: 'x', roles: ['auditor'], expiresAt: '2020-01-01T00:00:00Z' });
      expect(past.statusCode).toBe(400);
      const keyManager = await create({ name: 'x', roles: ['auditor'] }, 'p-berg');
      expect(keyManager.statusCode).toBe(403);
      expect(keyManager.json().error.code).toBe('forbidden');
    });

    it('authenticates as the token: its roles, no CSRF header, actor token:<id>, first use of a day audited', async () => {
      const { token, apiToken } = (await create({ name: 'stock sync', roles: ['key-manager'] })).json();
      const keys = await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer(token) });
      expect(keys.statusCode).toBe(200);
      const me = await app.inject({ method: 'GET', url: '/api/v1/console/me', headers: bearer(token) });
      expect(me.json().user).toEqual({
        person: `token:${apiToken.id}`,
        name: 'stock sync',
        roles: ['key-manager'],
        team: [],
      });
      // key-manager may read audit entries, not manage tokens.
      expect(
        (await app.inject({ method: 'GET', url: '/api/v1/audit-entries', headers: bearer(token) }))
          .statusCode,
      ).toBe(200);
      const tokens = await app.inject({
        method: 'GET',
        url: '/api/v1/console/api-tokens',
        headers: bearer(token),
      });
      expect(tokens.statusCode).toBe(403);

      const used = (await auditRows(bed.db, ['console.api-token-used'])).filter(
        (row) => row.data.token === apiToken.id,
      );
      expect(used).toHaveLength(1);
      expect(used[0]?.actor).toBe(`token:${apiToken.id}`);
      bed.clock.advance(24 * 60 * 60_000);
      await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer(token) });
      const nextDay = (await auditRows(bed.db, ['console.api-token-used'])).filter(
        (row) => row.data.token === apiToken.id,
      );
      expect(nextDay).toHaveLength(2);
      const row = await bed.db
        .selectFrom('api_tokens')
        .select('last_used_at')
        .where('id', '=', apiToken.id)
        .executeTakeFirstOrThrow();
      expect(row.last_used_at).toBe(bed.clock.now().toISOString());
    });

    it('never lets a token take a person’s own business: passkeys, tokens, sign-out, approving policy', async () => {
      const { token } = (await create({ name: 'admin robot', roles: ['admin'] })).json();
      for (const [method, url] of [
        ['GET', '/api/v1/console/passkeys'],
        ['POST', '/api/v1/console/passkeys/options'],
        ['POST', '/api/v1/console/api-tokens'],
        ['DELETE', '/api/v1/console/sessions/current'],
        // A second person's decision: an admin's own token must not approve the admin's draft.
        ['POST', '/api/v1/policy-versions/1/approve'],
      ] as const) {
        const response = await app.inject({
          method,
          url,
          headers: bearer(token),
          ...(method === 'POST' ? { payload: { name: 'x', roles: ['admin'] } } : {}),
        });
        expect(response.statusCode, `${method} ${url}`).toBe(403);
        expect(response.json().error.code).toBe('forbidden');
      }
    });

    it('never opens the terminal API', async () => {
      const { token } = (await create({ name: 'admin robot 2', roles: ['admin'] })).json();
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/cabinets/central-a/sessions',
        headers: bearer(token),
        payload: { person: 'p-ruiz' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('cabinet_unauthorized');
      // And a cabinet token opens no console route.
      const console = await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer(cabinetToken) });
      expect(console.statusCode).toBe(401);
      expect(console.json().error.code).toBe('console_unauthorized');
    });

    it('refuses a revoked, an expired and an unknown token alike with 401 console_unauthorized', async () => {
      const revoked = (await create({ name: 'old', roles: ['auditor'] })).json();
      const gone = await app.inject({
        method: 'DELETE',
        url: `/api/v1/console/api-tokens/${revoked.apiToken.id}`,
        headers: await session('p-okafor'),
      });
      expect(gone.statusCode).toBe(200);
      expect(gone.json().apiToken).toMatchObject({ revokedBy: 'p-okafor' });
      const [audited] = (await auditRows(bed.db, ['console.api-token-revoked'])).slice(-1);
      expect(audited?.data.token).toBe(revoked.apiToken.id);
      const expiresAt = new Date(bed.clock.now().getTime() + 60_000).toISOString();
      const expiring = (await create({ name: 'short', roles: ['auditor'], expiresAt })).json();
      expect(
        (await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer(expiring.token) }))
          .statusCode,
      ).toBe(200);
      bed.clock.advance(60_000);
      const answers = [];
      for (const token of [revoked.token, expiring.token, `kwt_${'A'.repeat(43)}`]) {
        answers.push(await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer(token) }));
      }
      for (const answer of answers) {
        expect(answer.statusCode).toBe(401);
        expect(answer.json()).toEqual(answers[0]?.json());
        expect(answer.json().error.code).toBe('console_unauthorized');
      }
      const again = await app.inject({
        method: 'DELETE',
        url: `/api/v1/console/api-tokens/${revoked.apiToken.id}`,
        headers: await session('p-okafor'),
      });
      expect(again.statusCode).toBe(404);
    });
  });
}

describe('keywarden console token', () => {
  let bed: CredentialTestBed;
  let dir: string;

  beforeAll(async () => {
    bed = await createCredentialTestBed('sqlite');
    await bed.db
      .transaction()
      .execute((trx) => createAdmin(trx, bed.context, 'p-okafor', PASSWORD, { by: 'cli' }));
    dir = mkdtempSync(join(tmpdir(), 'keywarden-token-cli-'));
    vi.stubEnv('KEYWARDEN_AUDIT_KEY', join(dir, 'audit-signing-key.pem'));
    vi.stubEnv('KEYWARDEN_SECRETS_KEY', bed.secretsKeyPath);
    vi.stubEnv('KEYWARDEN_DB', bed.database.url);
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await bed.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function keywarden(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const run = { code: 0, stdout: '', stderr: '' };
    const program = new Command('keywarden').exitOverride().configureOutput({
      writeOut: (text) => {
        run.stdout += text;
      },
      writeErr: (text) => {
        run.stderr += text;
      },
    });
    const io: ConsoleCommandIo = {
      stdout: (text) => {
        run.stdout += text;
      },
      stderr: (text) => {
        run.stderr += text;
      },
      readSecret: async () => '',
      interactive: () => false,
    };
    registerConsoleCommands(program, io);
    try {
      await program.parseAsync(['node', 'keywarden', ...args]);
    } catch (error) {
      run.code = 1;
      run.stderr += error instanceof Error ? error.message : String(error);
    }
    return run;
  }

  it('creates (printed once), lists (never the token) and revokes', async () => {
    const created = await keywarden([
      'console',
      'token',
      'create',
      'hr-sync',
      '--roles',
      'auditor',
      '--by',
      'p-okafor',
    ]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^kwt_[\w-]{43}$/);
    expect(created.stderr).toContain('not shown again');
    const list = await keywarden(['console', 'token', 'list']);
    expect(list.stdout).toContain('hr-sync');
    expect(list.stdout).toContain(token.slice(0, 12));
    expect(list.stdout).not.toContain(token);
    const id = list.stdout.split(/\s+/)[0] as string;
    const revoked = await keywarden(['console', 'token', 'revoke', id, '--by', 'p-okafor']);
    expect(revoked.stdout).toContain('revoked');
    expect((await keywarden(['console', 'token', 'list'])).stdout).toContain('no API tokens');
    expect((await keywarden(['console', 'token', 'list', '--all'])).stdout).toContain('revoked');
  });

  it('refuses a token created by someone who is not an admin, and a supervisor token', async () => {
    const byBerg = await keywarden([
      'console',
      'token',
      'create',
      'x',
      '--roles',
      'auditor',
      '--by',
      'p-berg',
    ]);
    expect(byBerg.code).toBe(1);
    expect(byBerg.stderr).toContain('admin');
    const supervisor = await keywarden([
      'console',
      'token',
      'create',
      'x',
      '--roles',
      'supervisor',
      '--by',
      'p-okafor',
    ]);
    expect(supervisor.code).toBe(1);
    expect(supervisor.stderr).toContain('supervisor');
  });
});
