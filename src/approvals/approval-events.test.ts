/**
 * The live approval status as Server-Sent Events, over real HTTP (app.listen on port 0, fetch with a
 * streaming reader): the status at once, the decision within a second, expiry by the timer, a decision made
 * elsewhere found by the re-read, heartbeats, and the subscription dropped when the client goes away.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCabinetToken } from '../cabinets/cabinet-tokens.service.js';
import { setPin } from '../credentials/credentials.service.js';
import { InProcessLiveEvents, type LiveEvents } from '../live/live-events.js';
import { testDialects } from '../store/test-databases.js';
import { streamApprovalStatus } from './approval-events.js';
import { decideApproval, getApproval } from './approvals.service.js';
import { type ApprovalTestBed, createApprovalTestBed } from './approvals.testing.js';

const FRIDAY_NIGHT = '2026-11-28T03:30:00Z'; // 21:30 in Chicago: after hours, the repair needs approval

type SseItem = { event: string; data: Record<string, unknown> } | { comment: string };

/** Opens an event stream and reads it one message at a time. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .getReader();
  let buffer = '';
  const next = async (): Promise<SseItem | null> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(':')) return { comment: block.slice(1).trim() };
        const field = (name: string) =>
          block
            .split('\n')
            .find((line) => line.startsWith(`${name}: `))
            ?.slice(name.length + 2) ?? '';
        return { event: field('event'), data: JSON.parse(field('data')) };
      }
      const { value, done } = await reader.read();
      if (done) return null;
      buffer += value;
    }
  };
  return { response, next, close: () => controller.abort() };
}

/** A live bus that counts its subscribers, to see a stream let go. */
function countingBus(): LiveEvents & { subscribers: () => number } {
  const inner = new InProcessLiveEvents();
  let count = 0;
  return {
    publish: (topic, data) => inner.publish(topic, data),
    subscribe: (topic, listener) => {
      count++;
      const off = inner.subscribe(topic, listener);
      return () => {
        count--;
        off();
      };
    },
    close: () => inner.close(),
    subscribers: () => count,
  };
}

const waitFor = async (condition: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  return condition();
};

for (const dialect of await testDialects()) {
  describe(`approval event stream on ${dialect}`, () => {
    let bed: ApprovalTestBed;
    let base = '';
    let cabinetToken = '';
    let pin = '';

    beforeAll(async () => {
      bed = await createApprovalTestBed(dialect);
      await bed.db.transaction().execute(async (trx) => {
        pin = (await setPin(trx, bed.context, 'p-haddad', { random: true })).pin;
        cabinetToken = (await issueCabinetToken(trx, bed.context, { cabinet: 'central-a', by: 'p-okafor' }))
          .token;
      });
      base = await bed.app.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      await bed.close();
    });

    const terminal = { authorization: () => `Bearer ${cabinetToken}` };
    const askAtTerminal = async () => {
      bed.clock.set(FRIDAY_NIGHT);
      const json = (r: Response) => r.json() as Promise<Record<string, Record<string, string>>>;
      const headers = { authorization: terminal.authorization(), 'content-type': 'application/json' };
      const signedIn = await json(
        await fetch(`${base}/api/v1/cabinets/central-a/sessions`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ person: 'p-haddad', factors: [{ kind: 'pin', value: pin }] }),
        }),
      );
      const session = signedIn.session?.id as string;
      const asked = await json(
        await fetch(`${base}/api/v1/sessions/${session}/approvals`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ key: 'boiler-room', reason: 'emergency-repair' }),
        }),
      );
      return { session, approval: asked.approval?.id as string };
    };

    it('sends the status at once and "approved" within a second of the console’s decision, then ends', async () => {
      const { session, approval } = await askAtTerminal();
      const stream = await openStream(`${base}/api/v1/sessions/${session}/approvals/${approval}/events`, {
        authorization: terminal.authorization(),
      });
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(await stream.next()).toMatchObject({
        event: 'status',
        data: { approval: { id: approval, status: 'pending' } },
      });

      const decided = await fetch(`${base}/api/v1/approvals/${approval}/decision`, {
        method: 'POST',
        headers: { ...(await bed.consoleHeaders('p-okafor')), 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'approve' }),
      });
      expect(decided.status).toBe(200);
      const decidedAt = performance.now();
      const event = await stream.next();
      const latency = performance.now() - decidedAt;
      expect(event).toMatchObject({
        event: 'status',
        data: { approval: { status: 'approved', decidedBy: 'p-okafor' } },
      });
      expect(latency).toBeLessThan(1_000);
      expect(await stream.next()).toBeNull(); // a final status ends the stream
    });

    it('refuses a stream without the cabinet token, or for an approval not of this session', async () => {
      const { session } = await askAtTerminal();
      const anonymous = await fetch(`${base}/api/v1/sessions/${session}/approvals/x/events`);
      expect(anonymous.status).toBe(401);
      const other = await fetch(`${base}/api/v1/sessions/${session}/approvals/no-such-approval/events`, {
        headers: { authorization: terminal.authorization() },
      });
      expect(other.status).toBe(404);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe('approval_not_found');
    });

    describe('the stream itself (a bare server, short intervals)', () => {
      const serve = async (
        live: LiveEvents,
        approvalId: string,
        options: { heartbeatMs?: number; recheckMs?: number; force?: boolean },
      ) => {
        // undici keeps an aborted stream's socket a few seconds; the test need not wait for it.
        const app = Fastify({ forceCloseConnections: options.force ?? true });
        const open = new Set<() => void>();
        app.addHook('preClose', async () => {
          for (const end of [...open]) end();
        });
        app.get('/events', async (_request, reply) => {
          const approval = await getApproval(bed.db, approvalId, bed.clock.now());
          streamApprovalStatus(reply, approval, { db: bed.db, live, now: bed.clock.now, open, ...options });
          return reply;
        });
        return { app, url: `${await app.listen({ port: 0, host: '127.0.0.1' })}/events` };
      };

      it('sends "expired" from the timer at the request’s expiry, with no decision and no publish', async () => {
        const { approval } = await bed.ask({ person: 'p-haddad', key: 'boiler-room' });
        bed.clock.set(new Date(Date.parse(approval.expiresAt) - 300).toISOString());
        const live = countingBus();
        const { app, url } = await serve(live, approval.id, { recheckMs: 60_000 });
        try {
          const stream = await openStream(url);
          expect(await stream.next()).toMatchObject({ data: { approval: { status: 'pending' } } });
          const started = performance.now();
          expect(await stream.next()).toMatchObject({ data: { approval: { status: 'expired' } } });
          expect(performance.now() - started).toBeLessThan(1_500);
          expect(await stream.next()).toBeNull();
          expect(live.subscribers()).toBe(0);
        } finally {
          await app.close();
        }
      });

      it('finds a decision taken elsewhere (no hint) by re-reading, and sends heartbeats meanwhile', async () => {
        const { approval } = await bed.ask({ person: 'p-haddad', key: 'boiler-room' });
        const live = countingBus();
        const { app, url } = await serve(live, approval.id, { heartbeatMs: 50, recheckMs: 400 });
        try {
          const stream = await openStream(url);
          expect(await stream.next()).toMatchObject({ data: { approval: { status: 'pending' } } });
          expect(await stream.next()).toEqual({ comment: 'heartbeat' });
          // As the CLI in another process would: committed, and no hint on this process's bus.
          await bed.db
            .transaction()
            .execute((trx) =>
              decideApproval(trx, bed.context, { id: approval.id, by: 'p-okafor', approve: false }),
            );
          let item = await stream.next();
          while (item && 'comment' in item) item = await stream.next();
          expect(item).toMatchObject({ event: 'status', data: { approval: { status: 'denied' } } });
        } finally {
          await app.close();
        }
      });

      it('lets go of the live bus when the client goes away', async () => {
        const { approval } = await bed.ask({ person: 'p-haddad', key: 'boiler-room' });
        const live = countingBus();
        const { app, url } = await serve(live, approval.id, {});
        try {
          const stream = await openStream(url);
          await stream.next();
          expect(live.subscribers()).toBe(1);
          stream.close();
          expect(await waitFor(() => live.subscribers() === 0)).toBe(true);
        } finally {
          await app.close();
        }
      });

      it('ends open streams when the server closes, so that closing does not wait for them', async () => {
        const { approval } = await bed.ask({ person: 'p-haddad', key: 'boiler-room' });
        const live = countingBus();
        const { app, url } = await serve(live, approval.id, { force: false });
        const stream = await openStream(url);
        await stream.next();
        const started = performance.now();
        await app.close();
        expect(performance.now() - started).toBeLessThan(1_000);
        expect(await stream.next()).toBeNull();
        expect(live.subscribers()).toBe(0);
      });
    });
  });
}
