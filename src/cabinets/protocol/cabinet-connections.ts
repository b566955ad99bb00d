/**
 * The server side of the cabinet protocol (docs/cabinet-protocol.md): one live connection per cabinet, the
 * frames it sends handled one at a time (each state change one transaction, committed before its ack), and
 * the timers that turn silence into facts: a release not confirmed in time is undone, a door held open is
 * announced once, a cabinet that misses its heartbeats is announced offline once per outage.
 *
 * The timers live in this process. That suits one server (SQLite); releases still pending when the server
 * starts are re-armed from the database (start()), and every timed action is a conditional update, so two
 * processes noticing the same silence record it once.
 */
import type { Kysely, Transaction } from 'kysely';
import type { WebSocket } from 'ws';
import { KeywardenError } from '../../domain/errors.js';
import type { LiveEvents } from '../../live/live-events.js';
import { newId } from '../../store/ids.js';
import type { DB } from '../../store/schema.js';
import { cabinetOfToken } from '../cabinet-tokens.service.js';
import {
  type CabinetEventsContext,
  pendingReleases,
  recordConnected,
  recordDoor,
  recordDoorHeldOpen,
  recordInserted,
  recordOffline,
  recordRelease,
  recordRemoved,
  recordSeen,
  tagOfKey,
  undoTimedOutRelease,
} from './cabinet-events.service.js';
import {
  CABINET_PROTOCOL,
  type CabinetMessage,
  CLOSE_CODES,
  cabinetMessage,
  type ServerMessage,
} from './messages.js';

export interface CabinetProtocolSettings {
  /** How often a cabinet sends a heartbeat (told in the hello's ack). */
  heartbeatMs: number;
  /** Heartbeats missed in a row before the cabinet counts as offline. */
  missedHeartbeats: number;
  /** How long a released slot waits for its key to be taken before the checkout is undone. */
  releaseTimeoutMs: number;
  /** How long the door may stay open before door-open is announced. */
  doorOpenAlertMs: number;
  /** How long a new connection has to say hello. */
  helloTimeoutMs: number;
  /** Frames a cabinet may send per second on average (twice that in a burst). */
  framesPerSecond: number;
  /** last_seen_at is written on a heartbeat at most this often. */
  lastSeenWriteMs: number;
}

export const DEFAULT_PROTOCOL_SETTINGS: CabinetProtocolSettings = {
  heartbeatMs: 15_000,
  missedHeartbeats: 3,
  releaseTimeoutMs: 30_000,
  doorOpenAlertMs: 60_000,
  helloTimeoutMs: 10_000,
  framesPerSecond: 20,
  lastSeenWriteMs: 30_000,
};

export interface CabinetProtocolContext extends CabinetEventsContext {
  live: LiveEvents;
  settings?: Partial<CabinetProtocolSettings>;
}

export interface Logger {
  warn(object: unknown, message?: string): void;
  info(object: unknown, message?: string): void;
}

/** What the checkout path hands over: the release recorded in its transaction, sent after commit. */
export interface ReleasePlan {
  checkout: string;
  cabinet: string;
  slot: number;
  tag: string;
  until: string;
  /** False when the cabinet was not connected: the checkout stands, nothing is sent or undone. */
  sent: boolean;
}

/** The seam the terminal's checkout route calls (see terminal.routes.ts). */
export interface SlotReleases {
  /** In the checkout's transaction: records the release (sent, or not: the cabinet is not connected). */
  recordRelease(
    trx: Transaction<DB>,
    checkout: { id: string; cabinet: string; slot: number; key: string },
  ): Promise<ReleasePlan>;
  /** After the checkout committed: sends the release and arms its timeout. */
  sendRelease(plan: ReleasePlan): void;
}

const OPEN = 1; // WebSocket.OPEN, without importing ws at runtime

export class CabinetConnections implements SlotReleases {
  readonly settings: CabinetProtocolSettings;
  private readonly links = new Map<string, CabinetLink>();
  private readonly watchdogs = new Map<string, NodeJS.Timeout>();
  private readonly releaseTimers = new Map<string, NodeJS.Timeout>();
  private readonly doorTimers = new Map<string, NodeJS.Timeout>();
  private readonly lastSeenWrites = new Map<string, number>();
  private closed = false;

  constructor(
    readonly db: Kysely<DB>,
    readonly context: CabinetProtocolContext,
    readonly log: Logger = { warn: () => {}, info: () => {} },
  ) {
    this.settings = { ...DEFAULT_PROTOCOL_SETTINGS, ...context.settings };
  }

  /** Re-arms the timeouts of releases left pending by an earlier process. */
  async start(): Promise<void> {
    const now = this.context.now().getTime();
    for (const release of await pendingReleases(this.db)) {
      this.armReleaseTimer(release.checkout_id, Math.max(0, Date.parse(release.until) - now));
    }
  }

  isConnected(cabinet: string): boolean {
    return this.links.get(cabinet)?.isOpen() ?? false;
  }

  /** Takes a freshly upgraded socket of `cabinet`, authenticated by `token`. */
  attach(cabinet: string, token: string, socket: WebSocket, log: Logger = this.log): void {
    if (this.closed) {
      socket.close(CLOSE_CODES.goingAway, 'server shutting down');
      return;
    }
    new CabinetLink(this, cabinet, token, socket, log).listen();
  }

  /** Makes `link` the cabinet's one connection; returns whether it replaced another. */
  register(link: CabinetLink): boolean {
    const old = this.links.get(link.cabinet);
    this.links.set(link.cabinet, link);
    if (old && old !== link) {
      old.close(CLOSE_CODES.replaced, 'replaced by a newer connection');
      return true;
    }
    return false;
  }

  unregister(link: CabinetLink): void {
    if (this.links.get(link.cabinet) === link) this.links.delete(link.cabinet);
  }

  /** Runs `work` in one transaction; publishes the live hint after commit. */
  async transact<T>(cabinet: string, kind: string, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    const result = await this.db.transaction().execute(work);
    this.context.live.publish(`cabinet:${cabinet}`, { kind });
    return result;
  }

  async recordRelease(
    trx: Transaction<DB>,
    checkout: { id: string; cabinet: string; slot: number; key: string },
  ): Promise<ReleasePlan> {
    const until = new Date(this.context.now().getTime() + this.settings.releaseTimeoutMs).toISOString();
    const sent = this.isConnected(checkout.cabinet);
    await recordRelease(trx, this.context, { ...checkout, checkout: checkout.id, until, sent });
    return {
      checkout: checkout.id,
      cabinet: checkout.cabinet,
      slot: checkout.slot,
      tag: await tagOfKey(trx, checkout.key),
      until,
      sent,
    };
  }

  sendRelease(plan: ReleasePlan): void {
    this.context.live.publish(`cabinet:${plan.cabinet}`, { kind: 'release', checkout: plan.checkout });
    if (!plan.sent) return;
    // Armed even if the socket went away since the checkout: then the key stays in and the release is undone.
    this.armReleaseTimer(plan.checkout, this.settings.releaseTimeoutMs);
    this.links.get(plan.cabinet)?.send({
      type: 'release',
      id: newId(),
      slot: plan.slot,
      key: plan.tag,
      checkout: plan.checkout,
      until: plan.until,
      withinMs: this.settings.releaseTimeoutMs,
    });
  }

  settleRelease(checkout: string): void {
    const timer = this.releaseTimers.get(checkout);
    if (timer) clearTimeout(timer);
    this.releaseTimers.delete(checkout);
  }

  private armReleaseTimer(checkout: string, ms: number): void {
    this.settleRelease(checkout);
    const timer = setTimeout(() => {
      this.releaseTimers.delete(checkout);
      void this.undoRelease(checkout);
    }, ms);
    this.releaseTimers.set(checkout, timer);
  }

  private async undoRelease(checkout: string): Promise<void> {
    if (this.closed) return;
    try {
      const undone = await this.db
        .transaction()
        .execute((trx) => undoTimedOutRelease(trx, this.context, checkout));
      if (!undone) return;
      this.context.live.publish(`cabinet:${undone.cabinet}`, { kind: 'release-timeout', checkout });
      // The terminal (or anyone following the checkout) learns that it was undone.
      this.context.live.publish(`checkout:${checkout}`, { kind: 'release-timeout' });
      this.links.get(undone.cabinet)?.send({ type: 'lock', id: newId(), slot: undone.slot });
    } catch (error) {
      this.log.warn({ err: error, checkout }, 'undoing a timed-out release failed');
    }
  }

  /** Any frame from the cabinet: it is alive; offline only after `missedHeartbeats` intervals of silence. */
  heard(cabinet: string): void {
    const old = this.watchdogs.get(cabinet);
    if (old) clearTimeout(old);
    const timer = setTimeout(() => {
      this.watchdogs.delete(cabinet);
      void this.markOffline(cabinet);
    }, this.settings.heartbeatMs * this.settings.missedHeartbeats);
    this.watchdogs.set(cabinet, timer);
  }

  private async markOffline(cabinet: string): Promise<void> {
    if (this.closed) return;
    try {
      const lastSeen = this.lastSeenWrites.get(cabinet);
      await this.transact(cabinet, 'offline', (trx) =>
        recordOffline(trx, this.context, {
          cabinet,
          lastSeenAt: lastSeen ? new Date(lastSeen).toISOString() : null,
        }),
      );
      // A connection still open but silent is of no use: close it, the cabinet reconnects when it can.
      this.links.get(cabinet)?.close(CLOSE_CODES.goingAway, 'no heartbeat');
    } catch (error) {
      this.log.warn({ err: error, cabinet }, 'recording a cabinet offline failed');
    }
  }

  /**
   * Writes last_seen_at at most every `lastSeenWriteMs` per cabinet, and checks then that the connection's
   * token still holds: a revoked token ends the connection within that time. Returns false when it does not.
   */
  async seen(cabinet: string, token: string, force = false): Promise<boolean> {
    const now = Date.now();
    const last = this.lastSeenWrites.get(cabinet) ?? 0;
    if (!force && now - last < this.settings.lastSeenWriteMs) return true;
    this.lastSeenWrites.set(cabinet, now);
    if (!force && (await cabinetOfToken(this.db, token, this.context.now())) !== cabinet) return false;
    await this.db.transaction().execute((trx) => recordSeen(trx, this.context, cabinet));
    return true;
  }

  doorChanged(cabinet: string, state: 'open' | 'closed', openedAt: string | null): void {
    const old = this.doorTimers.get(cabinet);
    if (old) clearTimeout(old);
    this.doorTimers.delete(cabinet);
    if (state !== 'open' || openedAt === null) return;
    const thresholdMs = this.settings.doorOpenAlertMs;
    const timer = setTimeout(() => {
      this.doorTimers.delete(cabinet);
      if (this.closed) return;
      this.transact(cabinet, 'door-held-open', (trx) =>
        recordDoorHeldOpen(trx, this.context, { cabinet, openedAt, thresholdMs }),
      ).catch((error: unknown) =>
        this.log.warn({ err: error, cabinet }, 'announcing a door held open failed'),
      );
    }, thresholdMs);
    this.doorTimers.set(cabinet, timer);
  }

  /** Stops every timer and closes every connection (server shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timers of [this.watchdogs, this.releaseTimers, this.doorTimers]) {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    }
    for (const link of this.links.values()) link.close(CLOSE_CODES.goingAway, 'server shutting down');
    this.links.clear();
  }
}

/** One cabinet's connection: frames in order, one transaction each, answered with ack or error. */
class CabinetLink {
  private said = false;
  private queue: Promise<void> = Promise.resolve();
  private tokens: number;
  private lastRefill = Date.now();
  private refused = 0;
  private helloTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly hub: CabinetConnections,
    readonly cabinet: string,
    private readonly token: string,
    private readonly socket: WebSocket,
    private readonly log: Logger,
  ) {
    this.tokens = hub.settings.framesPerSecond * 2;
  }

  isOpen(): boolean {
    return this.socket.readyState === OPEN;
  }

  listen(): void {
    this.helloTimer = setTimeout(
      () => this.close(CLOSE_CODES.helloRequired, 'no hello in time'),
      this.hub.settings.helloTimeoutMs,
    );
    this.socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.socket.on('close', () => {
      clearTimeout(this.helloTimer);
      this.hub.unregister(this);
    });
    // A socket error (a client gone uncleanly) ends this connection only; 'close' follows.
    this.socket.on('error', (error) =>
      this.log.info({ err: error, cabinet: this.cabinet }, 'cabinet socket error'),
    );
  }

  send(message: ServerMessage): void {
    if (this.isOpen()) this.socket.send(JSON.stringify(message));
  }

  close(code: number, reason: string): void {
    clearTimeout(this.helloTimer);
    if (this.socket.readyState <= OPEN) this.socket.close(code, reason);
  }

  private error(of: string | null, code: string, message: string, details?: unknown): void {
    this.send({
      type: 'error',
      id: newId(),
      of,
      code,
      message,
      ...(details !== undefined ? { details } : {}),
    });
  }

  /** A token bucket: `framesPerSecond` on average, twice that in a burst. */
  private withinBudget(): boolean {
    const { framesPerSecond } = this.hub.settings;
    const now = Date.now();
    this.tokens = Math.min(
      framesPerSecond * 2,
      this.tokens + ((now - this.lastRefill) / 1000) * framesPerSecond,
    );
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private receive(data: unknown, isBinary: boolean): void {
    if (!this.withinBudget()) {
      this.refused += 1;
      if (this.refused === 1) this.error(null, 'rate_limited', 'too many frames: slow down');
      if (this.refused > this.hub.settings.framesPerSecond * 4)
        this.close(CLOSE_CODES.tooManyFrames, 'too many frames');
      return;
    }
    this.refused = 0;
    if (isBinary) {
      this.error(null, 'malformed_frame', 'frames are JSON text');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(data));
    } catch {
      this.error(null, 'malformed_frame', 'a frame must be one JSON object');
      return;
    }
    const result = cabinetMessage.safeParse(parsed);
    if (!result.success) {
      const id = (parsed as { id?: unknown } | null)?.id;
      this.error(
        typeof id === 'string' && id.length <= 64 ? id : null,
        'invalid_message',
        'the message does not match the protocol (docs/cabinet-protocol.md)',
        result.error.issues
          .slice(0, 10)
          .map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      );
      return;
    }
    const message = result.data;
    // Alive is frames arriving, whatever the database's pace in recording them.
    if (message.type !== 'ack' && (this.said || message.type === 'hello')) this.hub.heard(this.cabinet);
    // One at a time and in order: a removal must be recorded before the insertion that follows it.
    this.queue = this.queue.then(() => this.handle(message));
  }

  private async handle(message: CabinetMessage): Promise<void> {
    if (!this.isOpen()) return;
    if (!this.said && message.type !== 'hello') {
      this.error(message.id, 'hello_required', 'say hello first');
      this.close(CLOSE_CODES.helloRequired, 'hello required');
      return;
    }
    try {
      await this.dispatch(message);
    } catch (error) {
      if (error instanceof KeywardenError) {
        this.error(message.id, error.code, error.message, error.details);
      } else {
        this.log.warn({ err: error, cabinet: this.cabinet, type: message.type }, 'cabinet message failed');
        this.error(message.id, 'internal_error', 'the server could not record this; send it again');
      }
    }
  }

  private ack(of: string, extra: Record<string, unknown> = {}): void {
    this.send({ type: 'ack', id: newId(), of, ...extra });
  }

  private async dispatch(message: CabinetMessage): Promise<void> {
    const { hub, cabinet } = this;
    switch (message.type) {
      case 'hello': {
        if (message.protocol !== CABINET_PROTOCOL) {
          this.error(message.id, 'unsupported_protocol', `this server speaks ${CABINET_PROTOCOL}`);
          this.close(CLOSE_CODES.helloRequired, 'unsupported protocol');
          return;
        }
        if (this.said) throw new KeywardenError('invalid_request', 'hello was said already');
        clearTimeout(this.helloTimer);
        const replaced = hub.isConnected(cabinet);
        let connected: Awaited<ReturnType<typeof recordConnected>>;
        try {
          connected = await hub.transact(cabinet, 'connected', (trx) =>
            recordConnected(trx, hub.context, {
              cabinet,
              replaced,
              door: message.door,
              slots: message.slots,
            }),
          );
        } catch (error) {
          // A refused hello (a slot the cabinet does not have) leaves any earlier connection in place.
          if (error instanceof KeywardenError) {
            this.error(message.id, error.code, error.message, error.details);
          } else {
            this.log.warn({ err: error, cabinet }, 'recording a hello failed');
            this.error(message.id, 'internal_error', 'the server could not record the hello; connect again');
          }
          this.close(CLOSE_CODES.helloRequired, 'hello refused');
          return;
        }
        // Only a recorded hello takes over from an earlier connection.
        this.said = true;
        hub.register(this);
        await hub.seen(cabinet, this.token, true);
        hub.doorChanged(cabinet, message.door, connected.doorOpenSince);
        this.ack(message.id, {
          outcome: connected.wasOffline ? 'back-online' : 'connected',
          heartbeatMs: hub.settings.heartbeatMs,
          releaseTimeoutMs: hub.settings.releaseTimeoutMs,
        });
        return;
      }
      case 'heartbeat':
        if (!(await hub.seen(cabinet, this.token))) {
          this.error(message.id, 'cabinet_unauthorized', 'the cabinet token was revoked');
          this.close(CLOSE_CODES.tokenRevoked, 'token revoked');
          return;
        }
        this.ack(message.id);
        return;
      case 'door': {
        const changedAt = await hub.transact(cabinet, 'door', (trx) =>
          recordDoor(trx, hub.context, { cabinet, state: message.state }),
        );
        if (changedAt !== null) hub.doorChanged(cabinet, message.state, changedAt);
        this.ack(message.id, { outcome: changedAt === null ? 'unchanged' : `door-${message.state}` });
        return;
      }
      case 'removed': {
        const removal = await hub.transact(cabinet, 'removed', (trx) =>
          recordRemoved(trx, hub.context, { cabinet, slot: message.slot, tag: message.key }),
        );
        if (removal.outcome === 'removal-confirmed') hub.settleRelease(removal.checkout);
        this.ack(message.id, { outcome: removal.outcome });
        return;
      }
      case 'inserted': {
        const insertion = await hub.transact(cabinet, 'inserted', (trx) =>
          recordInserted(trx, hub.context, { cabinet, slot: message.slot, tag: message.key }),
        );
        if (insertion.outcome === 'returned') {
          hub.settleRelease(insertion.checkout);
          this.ack(message.id, { outcome: 'returned', late: insertion.late, wrongSlot: insertion.wrongSlot });
        } else {
          this.ack(message.id, { outcome: insertion.outcome });
        }
        return;
      }
      case 'ack':
        // The cabinet carried out a release or lock: nothing to record (the removal report is what counts).
        return;
    }
  }
}
