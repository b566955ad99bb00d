import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCabinetToken } from '../cabinets/cabinet-tokens.service.js';
import { buildServer } from '../http/server.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext } from '../testing/service-context.js';

const WEDNESDAY_MORNING = '2026-11-25T16:30:00Z'; // 10:30 in Chicago: business hours at Central Station
const WEDNESDAY_NIGHT = '2026-11-26T08:00:00Z'; // Thursday 02:00 in Chicago (Thanksgiving): after hours

for (const dialect of await testDialects()) {
  describe(`kiosk status (GET /api/v1/cabinets/:cabinet/status) on ${dialect}`, () => {
    let database: TestDatabase;
    let context: ReturnType<typeof newServiceContext>;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let token = '';
    let northToken = '';
    const status = (auth: string | null, cabinet = 'central-a') =>
      app.inject({
        method: 'GET',
        url: `/api/v1/cabinets/${cabinet}/status`,
        headers: auth ? { authorization: `Bearer ${auth}` } : {},
      });

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      context = newServiceContext(database.store);
      await context.activatePolicy();
      await database.store.db.transaction().execute(async (trx) => {
        token = (await issueCabinetToken(trx, context, { cabinet: 'central-a', by: 'p-okafor' })).token;
        northToken = (await issueCabinetToken(trx, context, { cabinet: 'north-a', by: 'p-okafor' })).token;
      });
      app = await buildServer({ store: database.store, now: context.now });
    });

    afterAll(async () => {
      await app.close();
      await database.drop();
    });

    it("shows the cabinet, its site's local time and the reasons, in business hours", async () => {
      context.clock.set(WEDNESDAY_MORNING);
      const response = await status(token);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        cabinet: { id: 'central-a', name: 'Central lobby cabinet', slots: 24 },
        site: {
          id: 'central',
          name: 'Central Station',
          timezone: 'America/Chicago',
          localTime: '2026-11-25T10:30:00.000-06:00',
          afterHours: false,
          closedFor: null,
        },
        reasons: [
          { id: 'vehicle-swap', label: 'Fresh patrol vehicle or vehicle swap' },
          { id: 'incident-response', label: 'Incident response' },
          { id: 'emergency-repair', label: 'Emergency repair' },
          { id: 'evidence-intake', label: 'Urgent evidence intake' },
        ],
        policyVersion: 1,
      });
    });

    it('says after hours, and why, on a holiday night', async () => {
      context.clock.set(WEDNESDAY_NIGHT);
      const { site } = (await status(token)).json();
      expect(site).toMatchObject({ afterHours: true, localTime: '2026-11-26T02:00:00.000-06:00' });
      expect(site.closedFor).toMatch(/Thanksgiving/);
    });

    it("answers only the cabinet's own token", async () => {
      for (const answer of [await status(null), await status('kwc_not-a-token'), await status(northToken)]) {
        expect(answer.statusCode).toBe(401);
        expect(answer.json().error.code).toBe('cabinet_unauthorized');
      }
      expect((await status(northToken, 'north-a')).json().cabinet.name).toBe('North cabinet');
    });
  });
}
