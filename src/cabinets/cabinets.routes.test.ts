/**
 * The console's cabinet endpoints on a real database and server: the list and one cabinet with its slots,
 * and terminal tokens (admins only): issued once, usable by the terminal, revoked all at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCheckout } from '../checkouts/checkouts.service.js';
import { auditRows } from '../credentials/credentials.testing.js';
import {
  type ConsoleManagementBed,
  createConsoleManagementBed,
  MEMBERS,
} from '../people/console-management.testing.js';
import { testDialects } from '../store/test-databases.js';

const ADMIN = MEMBERS.admin;

for (const dialect of await testDialects()) {
  describe(`console cabinet routes on ${dialect}`, () => {
    let bed: ConsoleManagementBed;

    beforeAll(async () => {
      bed = await createConsoleManagementBed(dialect);
      await bed.db.transaction().execute((trx) =>
        recordCheckout(trx, bed.context, {
          person: 'p-ruiz',
          key: 'car-101',
          factors: ['pin', 'badge'],
          reason: null,
        }),
      );
    });

    afterAll(async () => {
      await bed?.close();
    });

    it('lists cabinets with site, slots, keys in and out, and tokens, for every console role', async () => {
      for (const person of Object.values(MEMBERS)) {
        const response = await bed.as(person, { method: 'GET', url: '/api/v1/cabinets' });
        expect(response.statusCode).toBe(200);
        expect(response.json().cabinets.map((c: { id: string }) => c.id)).toEqual([
          'central-a',
          'central-b',
          'north-a',
        ]);
      }
      const [centralA] = (
        await bed.as(ADMIN, { method: 'GET', url: '/api/v1/cabinets?site=central&limit=1' })
      ).json().cabinets;
      const homeKeys = await bed.db
        .selectFrom('keys')
        .select('id')
        .where('cabinet_id', '=', 'central-a')
        .execute();
      expect(centralA).toEqual({
        id: 'central-a',
        name: 'Central lobby cabinet',
        site: 'central',
        slots: 24,
        keys: { in: homeKeys.length - 1, out: 1, missing: 0 },
        tokens: 0,
        lastSeenAt: null,
        online: false,
        offlineSince: null,
        door: null,
        doorSince: null,
      });
      const north = (await bed.as(ADMIN, { method: 'GET', url: '/api/v1/cabinets?site=north' })).json();
      expect(north.cabinets.map((c: { id: string }) => c.id)).toEqual(['north-a']);
      const paged = await bed.as(ADMIN, { method: 'GET', url: '/api/v1/cabinets?limit=2' });
      expect(paged.json().next).not.toBeNull();
      const rest = await bed.as(ADMIN, {
        method: 'GET',
        url: `/api/v1/cabinets?limit=2&cursor=${paged.json().next}`,
      });
      expect(rest.json().cabinets.map((c: { id: string }) => c.id)).toEqual(['north-a']);
    });

    it('shows one cabinet with every slot, the key in it and the key whose home it is', async () => {
      const response = await bed.as(MEMBERS.supervisor, { method: 'GET', url: '/api/v1/cabinets/central-a' });
      expect(response.statusCode).toBe(200);
      const { cabinet } = response.json();
      expect(cabinet.slotList).toHaveLength(24);
      const car = await bed.db
        .selectFrom('keys')
        .selectAll()
        .where('id', '=', 'car-101')
        .executeTakeFirstOrThrow();
      const slot = cabinet.slotList.find((s: { number: number }) => s.number === car.slot);
      expect(slot).toEqual({
        number: car.slot,
        key: null,
        home: { id: 'car-101', label: car.label, status: 'out' },
        reported: null,
      });
      const occupied = cabinet.slotList.filter((s: { key: unknown }) => s.key !== null);
      expect(occupied.length).toBe(cabinet.keys.in);
      const unknown = await bed.as(ADMIN, { method: 'GET', url: '/api/v1/cabinets/nowhere' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('unknown_cabinet');
    });

    it('lets an admin issue a token once, which the terminal then uses, and revoke every token', async () => {
      for (const person of [MEMBERS['key-manager'], MEMBERS.supervisor, MEMBERS.auditor]) {
        const refused = await bed.as(person, {
          method: 'POST',
          url: '/api/v1/cabinets/central-b/tokens',
          payload: {},
        });
        expect(refused.statusCode).toBe(403);
        const revoke = await bed.as(person, { method: 'DELETE', url: '/api/v1/cabinets/central-b/tokens' });
        expect(revoke.statusCode).toBe(403);
      }
      const issued = await bed.as(ADMIN, {
        method: 'POST',
        url: '/api/v1/cabinets/central-b/tokens',
        payload: {},
      });
      expect(issued.statusCode).toBe(201);
      expect(issued.headers['cache-control']).toBe('no-store');
      const { token, id } = issued.json();
      expect(token).toMatch(/^kwc_/);
      const stored = await bed.db
        .selectFrom('cabinet_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(stored.token_hash).not.toContain(token);
      expect(JSON.stringify(await auditRows(bed.db))).not.toContain(token);

      // The terminal signs in with it; the console sees the token and when the terminal was last seen.
      const attempt = await bed.asCabinet(token, {
        method: 'POST',
        url: '/api/v1/cabinets/central-b/sessions',
        payload: { person: 'p-ruiz', factors: [] },
      });
      expect(attempt.json().error.code).toBe('authentication_failed'); // the token was good, the person had no factor
      const seen = (await bed.as(ADMIN, { method: 'GET', url: '/api/v1/cabinets/central-b' })).json().cabinet;
      expect(seen).toMatchObject({ tokens: 1, lastSeenAt: bed.clock.now().toISOString() });

      // A console session is no cabinet token: the terminal's routes stay closed to it.
      const asConsole = await bed.as(ADMIN, {
        method: 'POST',
        url: '/api/v1/cabinets/central-b/sessions',
        payload: { person: 'p-ruiz', factors: [] },
      });
      expect(asConsole.statusCode).toBe(401);
      expect(asConsole.json().error.code).toBe('cabinet_unauthorized');

      const revoked = await bed.as(ADMIN, { method: 'DELETE', url: '/api/v1/cabinets/central-b/tokens' });
      expect(revoked.json()).toEqual({ revoked: 1 });
      const after = await bed.asCabinet(token, {
        method: 'POST',
        url: '/api/v1/cabinets/central-b/sessions',
        payload: { person: 'p-ruiz', factors: [] },
      });
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('cabinet_unauthorized');
      const entries = await auditRows(bed.db, ['cabinet.token-issued', 'cabinet.tokens-revoked']);
      expect(entries.map((e) => [e.type, e.actor, e.cabinet])).toEqual([
        ['cabinet.token-issued', ADMIN, 'central-b'],
        ['cabinet.tokens-revoked', ADMIN, 'central-b'],
      ]);
      const unknown = await bed.as(ADMIN, {
        method: 'POST',
        url: '/api/v1/cabinets/nowhere/tokens',
        payload: {},
      });
      expect(unknown.statusCode).toBe(404);
      expect(
        (await bed.as(ADMIN, { method: 'DELETE', url: '/api/v1/cabinets/nowhere/tokens' })).statusCode,
      ).toBe(404);
    });
  });
}
