/**
 * The console's live slot map stream (GET /api/v1/cabinets/{cabinet}/events) on a real server over HTTP:
 * the cabinet at once, then a change the moment the terminal records it (the live hint, well before the
 * periodic re-read), and clear refusals for a wrong Accept header, an unknown cabinet and no session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCheckout } from '../checkouts/checkouts.service.js';
import { startConsoleSession } from '../console/console-sessions.service.js';
import {
  type ConsoleManagementBed,
  createConsoleManagementBed,
  MEMBERS,
} from '../people/console-management.testing.js';
import { testDialects } from '../store/test-databases.js';

interface SlotView {
  number: number;
  key: { id: string } | null;
}

/** Reads `event: cabinet` messages off an SSE response, one at a time. */
function cabinetEvents(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return async function next(timeoutMs: number): Promise<{ slotList: SlotView[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (block.includes('event: cabinet') && data) return JSON.parse(data.slice(6)).cabinet;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no cabinet event in time');
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no cabinet event in time')), left),
        ),
      ]);
      if (chunk.done) throw new Error('the stream ended');
      buffer += chunk.value;
    }
  };
}

for (const dialect of await testDialects()) {
  describe(`cabinet event stream on ${dialect}`, () => {
    let bed: ConsoleManagementBed;
    let base: string;

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
      base = await bed.app.listen({ port: 0, host: '127.0.0.1' });
    });

    afterAll(async () => {
      await bed?.close();
    });

    async function cookieOf(person: string): Promise<string> {
      const session = await startConsoleSession(bed.db, person, bed.context.now());
      return `kw_session=${session.token}`;
    }

    it('sends the cabinet at once and a return at the terminal the moment it commits', async () => {
      const car = await bed.db
        .selectFrom('keys')
        .select(['slot'])
        .where('id', '=', 'car-101')
        .executeTakeFirstOrThrow();
      const issued = await bed.as(MEMBERS.admin, {
        method: 'POST',
        url: '/api/v1/cabinets/central-a/tokens',
        payload: {},
      });
      const { token } = issued.json();

      const controller = new AbortController();
      const response = await fetch(`${base}/api/v1/cabinets/central-a/events`, {
        headers: { accept: 'text/event-stream', cookie: await cookieOf(MEMBERS.auditor) },
        signal: controller.signal,
      });
      try {
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain('text/event-stream');
        expect(response.headers.get('cache-control')).toBe('no-store');
        const next = cabinetEvents(response.body as ReadableStream<Uint8Array>);
        const first = await next(2_000);
        expect(first.slotList.find((slot) => slot.number === car.slot)?.key).toBeNull();

        const returned = await bed.asCabinet(token, {
          method: 'POST',
          url: '/api/v1/cabinets/central-a/returns',
          payload: { key: 'car-101', slot: car.slot },
        });
        expect(returned.statusCode).toBe(200);
        // Well inside the 5 s re-read: the hint woke the stream.
        const started = Date.now();
        const second = await next(2_000);
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(second.slotList.find((slot) => slot.number === car.slot)?.key?.id).toBe('car-101');
      } finally {
        controller.abort();
      }
    });

    it('refuses a request that is no event stream, an unknown cabinet and no session, clearly', async () => {
      const cookie = await cookieOf(MEMBERS.supervisor);
      const plain = await fetch(`${base}/api/v1/cabinets/central-a/events`, { headers: { cookie } });
      expect(plain.status).toBe(400);
      expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
      const unknown = await fetch(`${base}/api/v1/cabinets/nowhere/events`, {
        headers: { cookie, accept: 'text/event-stream' },
      });
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown_cabinet');
      const anonymous = await fetch(`${base}/api/v1/cabinets/central-a/events`, {
        headers: { accept: 'text/event-stream' },
      });
      expect(anonymous.status).toBe(401);
    });
  });
}
