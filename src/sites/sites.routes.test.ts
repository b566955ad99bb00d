/**
 * The console's site endpoints: each site from the active policy at the server's clock now, with its local
 * time, whether it is after hours and why, business hours, this year's holidays and its cabinets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleManagementBed,
  createConsoleManagementBed,
  MEMBERS,
} from '../people/console-management.testing.js';
import { testDialects } from '../store/test-databases.js';

const WEDNESDAY_MORNING = '2026-11-25T16:30:00.000Z'; // 10:30 in Chicago
const THANKSGIVING_NOON = '2026-11-26T18:00:00.000Z'; // 12:00 in Chicago, a public holiday

for (const dialect of await testDialects()) {
  describe(`console site routes on ${dialect}`, () => {
    let bed: ConsoleManagementBed;

    beforeAll(async () => {
      bed = await createConsoleManagementBed(dialect);
    });

    afterAll(async () => {
      await bed?.close();
    });

    it('lists every site for every console role, at local time now', async () => {
      bed.clock.set(WEDNESDAY_MORNING);
      for (const person of Object.values(MEMBERS)) {
        const response = await bed.as(person, { method: 'GET', url: '/api/v1/sites' });
        expect(response.statusCode).toBe(200);
        expect(response.json().sites.map((s: { id: string }) => s.id)).toEqual(['central', 'north']);
      }
      const central = (await bed.as(MEMBERS.auditor, { method: 'GET', url: '/api/v1/sites/central' })).json()
        .site;
      expect(central).toMatchObject({
        id: 'central',
        name: 'Central Station',
        timezone: 'America/Chicago',
        localTime: '2026-11-25T10:30:00.000-06:00',
        afterHours: false,
        status: 'business-hours',
        closedFor: null,
        businessHours: { mon: ['07:00-18:00'], sat: ['08:00-12:00'] },
        cabinets: [
          { id: 'central-a', name: 'Central lobby cabinet' },
          { id: 'central-b', name: 'Evidence wing cabinet' },
        ],
        policyVersion: 1,
      });
      expect(central.businessHours.sun).toBeUndefined();
      expect(central.holidays).toMatchObject({ country: 'US', year: 2026 });
      expect(central.holidays.days).toContainEqual({
        date: '2026-12-25',
        kind: 'holiday',
        name: 'Christmas Day',
        from: null,
      });
    });

    it("lists the policy's schedules with their windows and the rules that use them", async () => {
      const response = await bed.as(MEMBERS.auditor, { method: 'GET', url: '/api/v1/sites' });
      expect(response.statusCode).toBe(200);
      const night = ['18:00-07:00'];
      expect(response.json().schedules).toEqual([
        {
          id: 'night-shift',
          name: 'Night shift',
          windows: { mon: night, tue: night, wed: night, thu: night, fri: night, sat: night, sun: night },
          rules: ['night-sergeants-facility'],
        },
      ]);
      // The single-site read stays as it was: schedules belong to the policy, not to one site.
      const one = await bed.as(MEMBERS.auditor, { method: 'GET', url: '/api/v1/sites/central' });
      expect(one.json().schedules).toBeUndefined();
      const openApi = (await bed.app.inject({ method: 'GET', url: '/docs/json' })).json();
      const listed = openApi.paths['/api/v1/sites'].get.responses['200'].content['application/json'].schema;
      expect(Object.keys(listed.properties.schedules.items.properties)).toEqual([
        'id',
        'name',
        'windows',
        'rules',
      ]);
    });

    it('says a holiday is after hours, and names it', async () => {
      bed.clock.set(THANKSGIVING_NOON);
      const central = (
        await bed.as(MEMBERS.supervisor, { method: 'GET', url: '/api/v1/sites/central' })
      ).json().site;
      expect(central).toMatchObject({ afterHours: true, status: 'holiday', closedFor: 'Thanksgiving Day' });
      bed.clock.set(WEDNESDAY_MORNING);
    });

    it('answers 404 for an unknown site and 401 without a session', async () => {
      const unknown = await bed.as(MEMBERS.admin, { method: 'GET', url: '/api/v1/sites/atlantis' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('not_found');
      const anonymous = await bed.app.inject({ method: 'GET', url: '/api/v1/sites' });
      expect(anonymous.statusCode).toBe(401);
    });
  });
}
