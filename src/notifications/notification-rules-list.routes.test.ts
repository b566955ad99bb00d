/**
 * GET /api/v1/notifications/rules on a real database: the Riverside policy's notification rules, its
 * notifying consequences by index and the reminder; nothing before a policy is active; refused to supervisors.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConsoleServer } from '../console/console-server.testing.js';
import { startConsoleSession } from '../console/console-sessions.service.js';
import { grantConsoleRole } from '../console/console-users.service.js';
import { type CredentialTestBed, createCredentialTestBed } from '../credentials/credentials.testing.js';
import { testDialects } from '../store/test-databases.js';

for (const dialect of await testDialects()) {
  describe(`notification rules list (${dialect})`, () => {
    let bed: CredentialTestBed;
    let app: FastifyInstance;
    const get = async (person: string) => {
      const opened = await startConsoleSession(bed.db, person, bed.clock.now());
      return app.inject({
        method: 'GET',
        url: '/api/v1/notifications/rules',
        headers: { cookie: `kw_session=${opened.token}` },
      });
    };

    beforeEach(async () => {
      bed = await createCredentialTestBed(dialect);
      await bed.db.transaction().execute(async (trx) => {
        await grantConsoleRole(trx, bed.context, 'p-haddad', 'auditor', { by: 'cli' });
        await grantConsoleRole(trx, bed.context, 'p-chen', 'supervisor', { by: 'cli' });
      });
      app = await buildConsoleServer({ store: bed.database.store, now: bed.clock.now, console: bed.context });
      await app.ready();
    });
    afterEach(async () => {
      await app.close();
      await bed.drop();
    });

    it("lists the active policy's rules with the ids their templates use", async () => {
      const response = await get('p-haddad');
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.version).toBe(1);
      expect(body.rules.map((rule: { id: string }) => rule.id)).toEqual([
        'after-hours-removal',
        'critical-key-any-time',
        'overdue',
        'denied-after-hours',
        'consequence:0',
        'consequence:1',
        'consequence:2',
        'system:reminder',
      ]);
      expect(body.rules[4]).toMatchObject({ kind: 'consequence', on: ['denied'], to: ['supervisor'] });
      expect(body.rules[6]).toMatchObject({ on: ['unauthorised-removal'], to: ['role:watch-commander'] });
    });

    it('answers no rules before a policy is active, and refuses supervisors', async () => {
      await bed.db.updateTable('policy_versions').set({ status: 'superseded' }).execute();
      expect((await get('p-haddad')).json()).toEqual({ version: null, rules: [] });
      expect((await get('p-chen')).statusCode).toBe(403);
    });
  });
}
