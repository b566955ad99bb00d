import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cabinetTopic } from '../cabinets/cabinet-events.routes.js';
import { issueCabinetToken } from '../cabinets/cabinet-tokens.service.js';
import { recordRelease, undoTimedOutRelease } from '../cabinets/protocol/cabinet-events.service.js';
import { recordCheckout } from '../checkouts/checkouts.service.js';
import { createFactorChecks } from '../credentials/factor-verification.js';
import { SecretBox } from '../credentials/secret-box.js';
import { relyingParty } from '../credentials/webauthn-config.js';
import { buildServer } from '../http/server.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../store/test-databases.js';
import { newServiceContext } from '../testing/service-context.js';

const WEDNESDAY_MORNING = '2026-11-25T16:30:00Z'; // 10:30 in Chicago: business hours at Central Station

/** Reads Server-Sent Events from a real HTTP connection until `count` named events have arrived. */
async function readEvents(response: Response, count: number): Promise<{ event: string; data: unknown }[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
      end = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

for (const dialect of await testDialects()) {
  describe(`kiosk confirmations (GET /api/v1/cabinets/:cabinet/terminal-events) on ${dialect}`, () => {
    let database: TestDatabase;
    let context: ReturnType<typeof newServiceContext>;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let base = '';
    let token = '';
    let northToken = '';

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      context = newServiceContext(database.store);
      await context.activatePolicy();
      context.clock.set(WEDNESDAY_MORNING);
      const secrets = new SecretBox({
        path: join(mkdtempSync(join(tmpdir(), 'kw-secrets-')), 'secrets.key'),
      });
      await database.store.db.transaction().execute(async (trx) => {
        token = (await issueCabinetToken(trx, context, { cabinet: 'central-a', by: 'p-okafor' })).token;
        northToken = (await issueCabinetToken(trx, context, { cabinet: 'north-a', by: 'p-okafor' })).token;
      });
      const rp = relyingParty({ id: 'localhost', origins: ['http://localhost:8080'] });
      const factors = createFactorChecks({ audit: context.audit, now: context.now, secrets });
      app = await buildServer({
        store: database.store,
        now: context.now,
        terminal: { ...context, factors, rp },
      });
      base = await app.listen({ port: 0, host: '127.0.0.1' });
    });

    afterAll(async () => {
      await app.close();
      await database.drop();
    });

    const open = (auth: string, cabinet = 'central-a') =>
      fetch(`${base}/api/v1/cabinets/${cabinet}/terminal-events`, {
        headers: { authorization: `Bearer ${auth}`, accept: 'text/event-stream' },
      });

    it("answers only the cabinet's own token", async () => {
      for (const auth of ['', 'kwc_not-a-token', northToken]) {
        const response = await open(auth);
        expect(response.status).toBe(401);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
          'cabinet_unauthorized',
        );
      }
    });

    it('sends a late return through POST /returns with how late, and in which slot', async () => {
      const checkout = await database.store.db.transaction().execute((trx) =>
        recordCheckout(trx, context, {
          person: 'p-ruiz',
          key: 'car-101',
          factors: ['badge', 'pin'],
          reason: 'vehicle-swap',
        }),
      );
      expect(checkout.ok).toBe(true);
      const due = await database.store.db
        .selectFrom('checkouts')
        .select('due_at')
        .where('key_id', '=', 'car-101')
        .executeTakeFirstOrThrow();
      expect(due.due_at).not.toBeNull();
      const stream = await open(token);
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
      // Two hours and five minutes past the due time.
      context.clock.set(new Date(Date.parse(String(due.due_at)) + (2 * 60 + 5) * 60_000).toISOString());
      const events = readEvents(stream, 1);
      const returned = await app.inject({
        method: 'POST',
        url: '/api/v1/cabinets/central-a/returns',
        payload: { key: 'car-101', slot: 5 },
        headers: { authorization: `Bearer ${token}` },
      });
      expect(returned.statusCode).toBe(200);
      const [event] = await events;
      expect(event).toEqual({
        event: 'return',
        data: {
          checkout: returned.json().checkout.id,
          key: { id: 'car-101', label: expect.any(String) },
          slot: 5,
          homeSlot: 1,
          returnedAt: context.now().toISOString(),
          late: true,
          lateByMinutes: 125,
          wrongSlot: true,
        },
      });
    });

    it('sends a checkout undone because its slot was not opened in time', async () => {
      const taken = await database.store.db.transaction().execute(async (trx) => {
        const outcome = await recordCheckout(trx, context, {
          person: 'p-ruiz',
          key: 'car-102',
          factors: ['badge', 'pin'],
          reason: 'vehicle-swap',
        });
        if (!outcome.ok) throw new Error('the checkout was refused');
        await recordRelease(trx, context, {
          checkout: outcome.checkout.id,
          cabinet: 'central-a',
          slot: 2,
          key: 'car-102',
          until: new Date(context.now().getTime() + 30_000).toISOString(),
          sent: true,
        });
        return outcome.checkout;
      });
      const stream = await open(token);
      context.clock.set(new Date(context.now().getTime() + 31_000).toISOString());
      const events = readEvents(stream, 1);
      const undone = await database.store.db
        .transaction()
        .execute((trx) => undoTimedOutRelease(trx, context, taken.id));
      expect(undone).toMatchObject({ cabinet: 'central-a', slot: 2 });
      // As the cabinet connections do after the undo commits; the payload is a hint, not the data.
      context.live.publish(cabinetTopic('central-a'), { kind: 'release-timeout', checkout: 'ignored' });
      expect(await events).toEqual([
        {
          event: 'undone',
          data: {
            checkout: taken.id,
            key: { id: 'car-102', label: expect.any(String) },
            slot: 2,
            at: context.now().toISOString(),
          },
        },
      ]);
    });
  });
}
