/**
 * The cabinet protocol end to end on a real server (listening on a port) and database, with the simulator
 * as the cabinet: releases after terminal checkouts (confirmed, or undone when they time out), returns in
 * any slot, a fob pulled without a checkout, a door held open, missed heartbeats, a second connection, bad
 * tokens and malformed frames. Timers are shortened (heartbeat 100 ms, offline after 4 missed, release 400 ms, door 300 ms).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { recordCheckout } from '../../checkouts/checkouts.service.js';
import { buildConsoleServer } from '../../console/console-server.testing.js';
import { addBadge, setPin } from '../../credentials/credentials.service.js';
import {
  auditRows,
  type CredentialTestBed,
  createCredentialTestBed,
} from '../../credentials/credentials.testing.js';
import { createFactorChecks } from '../../credentials/factor-verification.js';
import { relyingParty } from '../../credentials/webauthn-config.js';
import { listIncidents } from '../../incidents/incidents.service.js';
import { EventRouter } from '../../notifications/event-router.js';
import { testDialects } from '../../store/test-databases.js';
import { issueCabinetToken, revokeCabinetTokens } from '../cabinet-tokens.service.js';
import { findCabinetDetail } from '../cabinets.queries.js';
import {
  CabinetSimulator,
  SimulatorError,
  type SimulatorSocketConstructor,
} from '../simulator/cabinet-simulator.js';
import { CabinetConnections, type CabinetProtocolSettings } from './cabinet-connections.js';
import { recordRelease } from './cabinet-events.service.js';

const SETTINGS: Partial<CabinetProtocolSettings> = {
  heartbeatMs: 100,
  missedHeartbeats: 4,
  releaseTimeoutMs: 400,
  doorOpenAlertMs: 300,
  helloTimeoutMs: 1_000,
  lastSeenWriteMs: 200,
};
const FOBS = { 1: 'car-101', 2: 'car-102', 3: 'car-103', 10: 'boiler-room', 11: 'roof-access' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 3_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > until) return value;
    await sleep(25);
  }
}

for (const dialect of await testDialects()) {
  describe(`cabinet protocol on ${dialect}`, () => {
    let bed: CredentialTestBed;
    let app: FastifyInstance;
    let router: EventRouter;
    let base = '';
    let token = '';
    let northToken = '';
    const pins: Record<string, string> = {};
    const simulators: CabinetSimulator[] = [];

    const url = (cabinet = 'central-a') =>
      `${base.replace('http', 'ws')}/api/v1/cabinets/${cabinet}/connection`;
    const simulator = (options: { auth?: 'subprotocol' | 'header' } = {}) => {
      const sim = new CabinetSimulator({
        url: url(),
        token,
        WebSocket: WebSocket as unknown as SimulatorSocketConstructor,
        slots: 24,
        fobs: FOBS,
        ...options,
      });
      simulators.push(sim);
      return sim;
    };
    const terminal = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    /** Signs `person` in at central-a with their PIN and takes `key`; answers the checkout response. */
    const takeAtTerminal = async (person: string, key: string) => {
      const signedIn = await terminal('/api/v1/cabinets/central-a/sessions', {
        person,
        factors: [{ kind: 'pin', value: pins[person] }],
      });
      expect(signedIn.status).toBe(201);
      const { session } = (await signedIn.json()) as { session: { id: string } };
      const taken = await terminal(`/api/v1/sessions/${session.id}/checkouts`, { key });
      expect(taken.status).toBe(201);
      return (await taken.json()) as {
        checkout: { id: string; slot: number };
        release?: { sent: boolean; until: string };
      };
    };
    const checkoutRow = (id: string) =>
      bed.db.selectFrom('checkouts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const releaseRow = (id: string) =>
      bed.db
        .selectFrom('cabinet_releases')
        .selectAll()
        .where('checkout_id', '=', id)
        .executeTakeFirstOrThrow();
    const outboxOf = (type: string) =>
      bed.db.selectFrom('outbox').selectAll().where('event_type', '=', type).execute();

    beforeAll(async () => {
      bed = await createCredentialTestBed(dialect);
      const { context } = bed;
      await bed.db.transaction().execute(async (trx) => {
        for (const person of ['p-ruiz', 'p-novak', 'p-chen']) {
          pins[person] = (await setPin(trx, context, person, { random: true })).pin;
        }
        await addBadge(trx, context, 'p-ruiz', '0004-51A2');
        token = (await issueCabinetToken(trx, context, { cabinet: 'central-a', by: 'p-okafor' })).token;
        northToken = (await issueCabinetToken(trx, context, { cabinet: 'north-a', by: 'p-okafor' })).token;
      });
      router = new EventRouter(bed.db, context);
      const rp = relyingParty({ id: 'localhost', origins: ['http://localhost:8080'] });
      app = await buildConsoleServer({
        store: bed.database.store,
        now: context.now,
        console: context,
        terminal: { ...context, factors: createFactorChecks(context), rp },
        cabinets: { ...context, settings: SETTINGS },
      });
      base = await app.listen({ port: 0, host: '127.0.0.1' });
    });

    afterAll(async () => {
      for (const sim of simulators) sim.disconnect();
      await app?.close();
      await bed?.drop();
    });

    it('refuses an upgrade without a valid token of this cabinet, before any frame', async () => {
      const statusOf = (headers: Record<string, string>, protocols: string[] = []) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(url(), protocols, { headers });
          socket.on('unexpected-response', (_request, response) => {
            resolve(response.statusCode ?? 0);
            socket.terminate();
          });
          socket.on('open', () => {
            resolve(101);
            socket.close();
          });
          socket.on('error', () => {});
        });
      expect(await statusOf({})).toBe(401);
      expect(await statusOf({ authorization: 'Bearer kwc_forged' })).toBe(401);
      expect(await statusOf({ authorization: `Bearer ${northToken}` })).toBe(401);
      expect(await statusOf({}, ['keywarden-cabinet.v1', 'bearer.kwc_forged'])).toBe(401);
      // A plain GET (no upgrade) with a good token is told to upgrade.
      const plain = await fetch(url().replace('ws', 'http'), {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(plain.status).toBe(400);
    });

    it('sends a release after a terminal checkout; the fob taken confirms the removal', async () => {
      const hints: unknown[] = [];
      const unsubscribe = bed.context.live.subscribe('cabinet:central-a', (data) => hints.push(data.kind));
      const sim = simulator();
      const hello = await sim.connect();
      expect(hello).toMatchObject({ outcome: 'connected', heartbeatMs: 100, releaseTimeoutMs: 400 });
      // The slot is locked until the server releases it.
      expect(() => sim.takeFob(1)).toThrow(SimulatorError);

      const { checkout, release } = await takeAtTerminal('p-ruiz', 'car-101');
      expect(release).toMatchObject({ sent: true });
      const message = await sim.waitFor((m) => m.type === 'release' && m.checkout === checkout.id);
      expect(message).toMatchObject({ type: 'release', slot: 1, key: 'car-101', withinMs: 400 });
      const ack = await sim.takeFob(1);
      expect(ack.outcome).toBe('removal-confirmed');

      expect((await releaseRow(checkout.id)).status).toBe('confirmed');
      // Consoles and the simulator page follow each change live.
      unsubscribe();
      // (the terminal's own `checkout` hint, for the console's slot map, comes after the release is sent)
      expect(hints).toEqual(['connected', 'release', 'checkout', 'removed']);
      await sleep(500); // past the release window: the confirmed checkout stands
      expect((await checkoutRow(checkout.id)).status).toBe('open');
      const confirmed = await auditRows(bed.db, ['checkout.removal-confirmed']);
      expect(confirmed.map((e) => [e.person, e.cabinet, e.data.checkout])).toEqual([
        ['p-ruiz', 'central-a', checkout.id],
      ]);

      // The console sees the cabinet online, its door, and what it reported in each slot.
      const detail = await findCabinetDetail(bed.db, 'central-a');
      expect(detail).toMatchObject({ online: true, door: 'closed', offlineSince: null });
      expect(detail?.slotList[0]?.reported).toEqual({ fob: null });
      expect(detail?.slotList[1]?.reported).toEqual({ fob: 'car-102' });
      expect(detail?.slotList[4]?.reported).toEqual({ fob: null });
    });

    it('records a key put back in another empty slot as a wrong-slot return there, late when late', async () => {
      const sim = simulators[0] as CabinetSimulator;
      const open = await bed.db
        .selectFrom('checkouts')
        .selectAll()
        .where('key_id', '=', 'car-101')
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow();
      const start = bed.clock.now().toISOString();
      bed.clock.advance(13 * 60 * 60_000); // past the rule's 12 h
      try {
        const ack = await sim.insertFob(5, 'car-101');
        expect(ack).toMatchObject({ outcome: 'returned', late: true, wrongSlot: true });
      } finally {
        bed.clock.set(start);
      }
      const returned = await checkoutRow(open.id);
      expect(returned).toMatchObject({ status: 'returned', return_cabinet_id: 'central-a', return_slot: 5 });
      expect([returned.late, returned.wrong_slot].map(Number)).toEqual([1, 1]);
      const slot = await bed.db
        .selectFrom('slots')
        .select('key_id')
        .where('cabinet_id', '=', 'central-a')
        .where('number', '=', 5)
        .executeTakeFirstOrThrow();
      expect(slot.key_id).toBe('car-101');
      // An occupied slot cannot take a second fob.
      expect(() => sim.insertFob(2, 'car-101')).toThrow(SimulatorError);
    });

    it('undoes a checkout whose release times out, and locks the slot again', async () => {
      const sim = simulators[0] as CabinetSimulator;
      const { checkout } = await takeAtTerminal('p-novak', 'car-102');
      await sim.waitFor((m) => m.type === 'release' && m.checkout === checkout.id);
      await sim.waitFor((m) => m.type === 'lock' && m.slot === 2, 3_000);
      const undone = await checkoutRow(checkout.id);
      expect(undone).toMatchObject({ status: 'returned', return_slot: 2, returned_by: null });
      expect((await releaseRow(checkout.id)).status).toBe('timed-out');
      const key = await bed.db
        .selectFrom('keys')
        .select(['status', 'current_checkout_id'])
        .where('id', '=', 'car-102')
        .executeTakeFirstOrThrow();
      expect(key).toEqual({ status: 'in', current_checkout_id: null });
      const [entry] = await auditRows(bed.db, ['checkout.release-timeout']);
      expect(entry).toMatchObject({ person: 'p-novak', cabinet: 'central-a' });
      expect(entry?.data).toMatchObject({ checkout: checkout.id, closedAs: 'release-timeout' });
      expect(() => sim.takeFob(2)).toThrow(/locked/);
      // Yanked after the window, the key leaves without a checkout; put back, it is found again.
      expect((await sim.pullFob(2)).outcome).toBe('unauthorised-removal');
      expect((await sim.insertFob(2, 'car-102')).outcome).toBe('recovered');
    });

    it('opens an incident and tells the watch commander when a fob is pulled without a checkout', async () => {
      const sim = simulators[0] as CabinetSimulator;
      const ack = await sim.pullFob(3);
      expect(ack.outcome).toBe('unauthorised-removal');
      const key = await bed.db
        .selectFrom('keys')
        .select('status')
        .where('id', '=', 'car-103')
        .executeTakeFirstOrThrow();
      expect(key.status).toBe('missing');
      await router.runOnce();
      const incidents = await listIncidents(bed.db, { status: 'open', limit: 10 });
      expect(incidents.filter((i) => i.key === 'car-103').map((i) => i.kind)).toEqual([
        'unauthorised-removal',
      ]);
      const events = await outboxOf('unauthorised-removal');
      const event = events.find((e) => JSON.parse(e.payload).key === 'car-103');
      const told = await bed.db
        .selectFrom('notification_messages')
        .select(['channel', 'address'])
        .where('rule_id', '=', 'consequence:2')
        .where('event_id', '=', event?.id as string)
        .orderBy('channel')
        .execute();
      expect(told.map((m) => `${m.channel} ${m.address}`)).toEqual([
        'email g.okafor@riverside.example',
        'in-app p-okafor',
      ]);
      // Put back, the missing key is found again.
      expect((await sim.insertFob(3, 'car-103')).outcome).toBe('recovered');
    });

    it('announces a door held open once, however long it stays open', async () => {
      const sim = simulators[0] as CabinetSimulator;
      expect((await sim.openDoor()).outcome).toBe('door-open');
      await eventually(
        () => outboxOf('door-open'),
        (rows) => rows.length > 0,
      );
      await sleep(400);
      const events = await outboxOf('door-open');
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]?.payload as string)).toMatchObject({ cabinet: 'central-a' });
      expect((await findCabinetDetail(bed.db, 'central-a'))?.door).toBe('open');
      expect((await sim.closeDoor()).outcome).toBe('door-closed');
      await sleep(400);
      expect(await outboxOf('door-open')).toHaveLength(1);
      const doors = await auditRows(bed.db, [
        'cabinet.door-opened',
        'cabinet.door-held-open',
        'cabinet.door-closed',
      ]);
      expect(doors.map((e) => e.type)).toEqual([
        'cabinet.door-opened',
        'cabinet.door-held-open',
        'cabinet.door-closed',
      ]);
    });

    it('announces a cabinet offline once when it misses its heartbeats, and back online when it returns', async () => {
      const sim = simulators[0] as CabinetSimulator;
      sim.stopHeartbeats();
      await eventually(
        () => outboxOf('cabinet-offline'),
        (rows) => rows.length > 0,
      );
      await sleep(500);
      expect(await outboxOf('cabinet-offline')).toHaveLength(1);
      expect(await findCabinetDetail(bed.db, 'central-a')).toMatchObject({ online: false });
      expect((await findCabinetDetail(bed.db, 'central-a'))?.offlineSince).not.toBeNull();
      // The server closed the silent connection; a checkout now stands but is not sent.
      await eventually(
        async () => sim.connected,
        (connected) => !connected,
      );
      const { checkout, release } = await takeAtTerminal('p-novak', 'car-102');
      expect(release).toMatchObject({ sent: false });
      expect((await releaseRow(checkout.id)).status).toBe('not-sent');

      const back = await sim.connect();
      expect(back.outcome).toBe('back-online');
      expect(await findCabinetDetail(bed.db, 'central-a')).toMatchObject({
        online: true,
        offlineSince: null,
      });
      expect(
        (await auditRows(bed.db, ['cabinet.offline', 'cabinet.back-online'])).map((e) => e.type),
      ).toEqual(['cabinet.offline', 'cabinet.back-online']);
      // The key taken while offline leaves its slot: the removal confirms that checkout.
      expect((await sim.pullFob(2)).outcome).toBe('removal-confirmed');
      expect((await releaseRow(checkout.id)).status).toBe('confirmed');
    });

    it('replaces the first connection with a second one of the same cabinet, and audits it', async () => {
      const first = simulators[0] as CabinetSimulator;
      const second = simulator({ auth: 'header' });
      const ack = await second.connect();
      expect(ack.outcome).toBe('connected');
      await eventually(
        async () => first.closeCode,
        (code) => code !== null,
      );
      expect(first.closeCode).toBe(4000);
      const connections = await auditRows(bed.db, ['cabinet.connected']);
      expect(connections.at(-1)?.data).toMatchObject({ replaced: true });
      // Its hello reported the fobs it was built with; where the records differ, the entry says so.
      expect(connections.at(-1)?.data.mismatches).toEqual(
        expect.arrayContaining([
          { slot: 1, recorded: null, reported: 'car-101' },
          { slot: 5, recorded: 'car-101', reported: null },
        ]),
      );
      expect((await second.request({ type: 'heartbeat' })).type).toBe('ack');
      first.disconnect();
    });

    it('answers malformed frames with an error and keeps serving', async () => {
      const sim = simulators.at(-1) as CabinetSimulator;
      const errors = () => sim.received.filter((m) => m.type === 'error');
      sim.sendRaw('this is not json');
      await sim.waitFor((m) => m.type === 'error' && m.code === 'malformed_frame');
      sim.sendRaw(JSON.stringify({ type: 'removed', id: 'bad-1', slot: 'one', key: 'car-101' }));
      const invalid = await sim.waitFor((m) => m.type === 'error' && m.of === 'bad-1');
      expect(invalid).toMatchObject({ code: 'invalid_message' });
      sim.sendRaw(JSON.stringify({ type: 'launch', id: 'bad-2' }));
      await sim.waitFor((m) => m.type === 'error' && m.of === 'bad-2');
      await expect(sim.request({ type: 'removed', slot: 4, key: 'no-such-fob' })).rejects.toMatchObject({
        code: 'unknown_key',
      });
      await expect(sim.request({ type: 'inserted', slot: 1, key: 'car-101' })).rejects.toMatchObject({
        code: 'checkout_not_found',
      });
      await expect(sim.request({ type: 'removed', slot: 99, key: 'car-101' })).rejects.toMatchObject({
        code: 'invalid_request',
      });
      expect(errors().length).toBeGreaterThanOrEqual(3);
      expect((await sim.request({ type: 'heartbeat' })).type).toBe('ack');

      // A flood of frames is refused beyond the budget (20 a second, 40 at once).
      for (let n = 0; n < 60; n++) sim.sendRaw(JSON.stringify({ type: 'heartbeat', id: `flood-${n}` }));
      await sim.waitFor((m) => m.type === 'error' && m.code === 'rate_limited');

      // A frame over the size limit closes the connection (1009); the server lives on.
      sim.sendRaw(JSON.stringify({ type: 'heartbeat', id: 'big', padding: 'x'.repeat(70 * 1024) }));
      await eventually(
        async () => sim.closeCode,
        (code) => code !== null,
      );
      expect(sim.closeCode).toBe(1009);
      expect((await sim.connect()).outcome).toBe('connected');

      // A connection that does not start with hello is closed.
      // A hello naming a slot the cabinet does not have is refused and the connection closed.
      const oversized = new CabinetSimulator({
        url: url(),
        token,
        WebSocket: WebSocket as unknown as SimulatorSocketConstructor,
        slots: 30,
        fobs: {},
      });
      await expect(oversized.connect()).rejects.toMatchObject({ code: 'invalid_request' });
      expect((await sim.request({ type: 'heartbeat' })).type).toBe('ack'); // the cabinet's connection stands

      const raw = new WebSocket(url(), ['keywarden-cabinet.v1', `bearer.${token}`]);
      const closed = new Promise<number>((resolve) => raw.on('close', (code) => resolve(code)));
      raw.on('open', () => raw.send(JSON.stringify({ type: 'heartbeat', id: 'h-1' })));
      expect(await closed).toBe(4001);
    });

    it('ends the connection when the cabinet token is revoked', async () => {
      const sim = simulators.at(-1) as CabinetSimulator;
      expect(sim.connected).toBe(true);
      await bed.db
        .transaction()
        .execute((trx) => revokeCabinetTokens(trx, bed.context, { cabinet: 'central-a', by: 'p-okafor' }));
      await eventually(
        async () => sim.closeCode,
        (code) => code !== null,
      );
      expect(sim.closeCode).toBe(4003);
      await expect(sim.connect()).rejects.toMatchObject({ code: 'connection_failed' });
    });

    it('undoes, after a restart, a release that was still pending when the server stopped', async () => {
      const { checkout } = await bed.db.transaction().execute(async (trx) => {
        const outcome = await recordCheckout(trx, bed.context, {
          person: 'p-chen',
          key: 'car-103',
          factors: ['pin'],
        });
        if (!outcome.ok) throw new Error(outcome.decision.explanation);
        await recordRelease(trx, bed.context, {
          checkout: outcome.checkout.id,
          cabinet: 'central-a',
          slot: 3,
          key: 'car-103',
          until: bed.clock.now().toISOString(), // already past
          sent: true,
        });
        return outcome;
      });
      const restarted = new CabinetConnections(bed.db, { ...bed.context, settings: SETTINGS });
      await restarted.start();
      try {
        const undone = await eventually(
          () => checkoutRow(checkout.id),
          (row) => row.status === 'returned',
        );
        expect(undone.status).toBe('returned');
        expect((await releaseRow(checkout.id)).status).toBe('timed-out');
      } finally {
        await restarted.close();
      }
    });
  });
}
