/**
 * A cabinet that exists only in software, speaking the real cabinet protocol (docs/cabinet-protocol.md):
 * slots with fobs, a door, heartbeats. It obeys the server (a released slot's fob may be taken until the
 * release window ends; a lock ends it early) and lets a person do what people do at a cabinet: take a fob,
 * put one back in any empty slot, hold the door open, yank a fob that was never released, pull the plug.
 *
 * It runs in Node (tests, with the `ws` package) and in a browser (the simulator page, with the global
 * WebSocket): the WebSocket constructor is a parameter and nothing here imports Node. The token travels as
 * the `bearer.<token>` subprotocol, which both can send; in Node the Authorization header can be used instead.
 */
import {
  BEARER_SUBPROTOCOL_PREFIX,
  CABINET_PROTOCOL,
  type DoorState,
  type ErrorMessage,
  type ServerAck,
  type ServerMessage,
  serverMessage,
} from '../protocol/messages.js';

/** The part of a WebSocket the simulator uses: the browser's and `ws`'s both have it. */
export interface SimulatorSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: { data?: unknown; code?: number }) => void): void;
}

/** `WebSocket` in a browser; `ws`'s `WebSocket` in Node (whose third argument carries headers). */
export type SimulatorSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => SimulatorSocket;

export interface SlotState {
  slot: number;
  /** The fob tag in the slot, or null when empty. */
  fob: string | null;
  /** While released: the local instant (ms) until which its fob may be taken, and for which checkout. */
  release: { until: number; checkout: string } | null;
}

export interface SimulatorOptions {
  /** ws://host/api/v1/cabinets/<cabinet>/connection (wss:// in production). */
  url: string;
  token: string;
  WebSocket: SimulatorSocketConstructor;
  /** How many slots, and the fob tag in each occupied one. */
  slots: number;
  fobs: Record<number, string>;
  door?: DoorState;
  /** 'subprotocol' (works everywhere, the default) or 'header' (Node only). */
  auth?: 'subprotocol' | 'header';
  /** Overrides the heartbeat interval the server asks for. */
  heartbeatMs?: number;
  now?: () => number;
}

/** A refusal: the server's error frame, or the simulator's own rule (a locked slot, an occupied slot). */
export class SimulatorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'SimulatorError';
  }
}

type Listener = (message: ServerMessage) => void;
type Outgoing = Record<string, unknown> & { type: string };

const OPEN = 1;

export class CabinetSimulator {
  readonly slots = new Map<number, SlotState>();
  door: DoorState;
  /** Every message the server sent, in order. */
  readonly received: ServerMessage[] = [];
  /** The close code of the last connection, once it closed. */
  closeCode: number | null = null;
  private socket: SimulatorSocket | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private counter = 0;
  private readonly pending = new Map<
    string,
    { resolve: (ack: ServerAck) => void; reject: (e: Error) => void }
  >();
  private readonly listeners = new Set<Listener>();
  private readonly now: () => number;

  constructor(private readonly options: SimulatorOptions) {
    this.door = options.door ?? 'closed';
    this.now = options.now ?? (() => Date.now());
    for (let slot = 1; slot <= options.slots; slot++) {
      this.slots.set(slot, { slot, fob: options.fobs[slot] ?? null, release: null });
    }
  }

  get connected(): boolean {
    return this.socket?.readyState === OPEN;
  }

  /** Calls `listener` on every server message (the simulator page redraws); returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connects, says hello with every slot and the door, starts heartbeats; resolves with the hello's ack. */
  async connect(): Promise<ServerAck> {
    this.disconnect();
    const { url, token, auth = 'subprotocol' } = this.options;
    const protocols =
      auth === 'subprotocol'
        ? [CABINET_PROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}${token}`]
        : [CABINET_PROTOCOL];
    const headers = auth === 'header' ? { headers: { authorization: `Bearer ${token}` } } : undefined;
    const socket = new this.options.WebSocket(url, protocols, headers);
    this.socket = socket;
    this.closeCode = null;
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve());
      socket.addEventListener('error', () =>
        reject(new SimulatorError('connection_failed', 'the server refused the connection')),
      );
      socket.addEventListener('close', (event) =>
        reject(new SimulatorError('connection_failed', `closed (${event.code})`)),
      );
    });
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.closeCode = event.code ?? null;
      this.stopHeartbeats();
      for (const waiter of this.pending.values())
        waiter.reject(new SimulatorError('closed', 'connection closed'));
      this.pending.clear();
    });
    const ack = await this.request({
      type: 'hello',
      protocol: CABINET_PROTOCOL,
      slots: [...this.slots.values()].map((s) => ({ slot: s.slot, key: s.fob })),
      door: this.door,
    });
    this.startHeartbeats(this.options.heartbeatMs ?? ack.heartbeatMs ?? 15_000);
    return ack;
  }

  startHeartbeats(intervalMs: number): void {
    this.stopHeartbeats();
    this.heartbeat = setInterval(() => {
      this.request({ type: 'heartbeat' }).catch(() => {});
    }, intervalMs);
  }

  /** The cabinet stays connected but goes silent (a hung controller). */
  stopHeartbeats(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** The cabinet goes offline: heartbeats stop and the connection closes. */
  disconnect(): void {
    this.stopHeartbeats();
    const socket = this.socket;
    if (socket && socket.readyState <= OPEN) socket.close(1000, 'going offline');
  }

  /** A person takes the fob of a released slot (refused when the slot is locked). */
  takeFob(slot: number): Promise<ServerAck> {
    const state = this.slotState(slot);
    if (!state.fob) throw new SimulatorError('slot_empty', `slot ${slot} is empty`);
    if (!state.release || this.now() > state.release.until) {
      throw new SimulatorError('slot_locked', `slot ${slot} is locked: no release for it`);
    }
    return this.pullFob(slot);
  }

  /** A fob leaves its slot whether released or not (forced: an unauthorised removal when not released). */
  pullFob(slot: number): Promise<ServerAck> {
    const state = this.slotState(slot);
    if (!state.fob) throw new SimulatorError('slot_empty', `slot ${slot} is empty`);
    const fob = state.fob;
    state.fob = null;
    state.release = null;
    return this.request({ type: 'removed', slot, key: fob, at: new Date(this.now()).toISOString() });
  }

  /** A person puts a fob into an empty slot (any slot: the server records where it went). */
  insertFob(slot: number, fob: string): Promise<ServerAck> {
    const state = this.slotState(slot);
    if (state.fob) throw new SimulatorError('slot_occupied', `slot ${slot} holds ${state.fob}`);
    state.fob = fob;
    state.release = null;
    return this.request({ type: 'inserted', slot, key: fob, at: new Date(this.now()).toISOString() });
  }

  openDoor(): Promise<ServerAck> {
    this.door = 'open';
    return this.request({ type: 'door', state: 'open' });
  }

  closeDoor(): Promise<ServerAck> {
    this.door = 'closed';
    return this.request({ type: 'door', state: 'closed' });
  }

  /** Sends a frame as is (tests of malformed input). */
  sendRaw(text: string): void {
    this.socket?.send(text);
  }

  /** Resolves with the first server message (already received or still to come) that `match` accepts. */
  waitFor(match: (message: ServerMessage) => boolean, timeoutMs = 5_000): Promise<ServerMessage> {
    const found = this.received.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new SimulatorError('timeout', `no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.subscribe((message) => {
        if (!match(message)) return;
        clearTimeout(timer);
        stop();
        resolve(message);
      });
    });
  }

  /** Sends a message with a fresh id; resolves with its ack, rejects with the server's error. */
  request(message: Outgoing): Promise<ServerAck> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) {
      return Promise.reject(new SimulatorError('not_connected', 'the cabinet is not connected'));
    }
    this.counter += 1;
    const id = `m-${this.counter}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ ...message, id }));
    });
  }

  private slotState(slot: number): SlotState {
    const state = this.slots.get(slot);
    if (!state) throw new SimulatorError('no_such_slot', `this cabinet has no slot ${slot}`);
    return state;
  }

  private receive(data: unknown): void {
    let message: ServerMessage;
    try {
      message = serverMessage.parse(JSON.parse(typeof data === 'string' ? data : String(data)));
    } catch {
      return; // a frame this version does not understand
    }
    this.received.push(message);
    if (message.type === 'ack' || message.type === 'error') {
      const waiter = message.of ? this.pending.get(message.of) : undefined;
      if (waiter && message.of) {
        this.pending.delete(message.of);
        if (message.type === 'ack') waiter.resolve(message);
        else waiter.reject(errorOf(message));
      }
    } else if (message.type === 'release') {
      const state = this.slots.get(message.slot);
      if (state) state.release = { until: this.now() + message.withinMs, checkout: message.checkout };
      this.socket?.send(JSON.stringify({ type: 'ack', id: `a-${message.id}`.slice(0, 64), of: message.id }));
    } else if (message.type === 'lock') {
      const state = this.slots.get(message.slot);
      if (state) state.release = null;
      this.socket?.send(JSON.stringify({ type: 'ack', id: `a-${message.id}`.slice(0, 64), of: message.id }));
    }
    for (const listener of [...this.listeners]) listener(message);
  }
}

function errorOf(message: ErrorMessage): SimulatorError {
  return new SimulatorError(message.code, message.message, message.details);
}
