/**
 * The simulated cabinet behind the page: one CabinetSimulator (the real protocol client), connected while
 * the person wants it online and reconnected when the connection drops by itself; the fobs in the person's
 * hand; and a log of what the server answered, in words. The simulator holds the physical state (what is in
 * which slot), so the page redraws from it on every server message and once a second (release countdowns).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { CabinetSlots } from '../api/get-cabinet-slots';
import {
  CabinetSimulator,
  type ServerAck,
  type ServerMessage,
  SimulatorError,
  type SimulatorSocketConstructor,
} from '../lib/simulator-client';

export type LogTone = 'info' | 'ok' | 'alert';
export interface LogEntry {
  id: number;
  tone: LogTone;
  text: string;
}

export type Connection =
  | { state: 'connecting' }
  | { state: 'online' }
  | { state: 'offline'; reason: string; retrying: boolean };

/** Reconnect after this long when the connection dropped without the person asking. */
const RECONNECT_MS = 3_000;
const LOG_LENGTH = 12;

export function connectionUrl(cabinet: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/v1/cabinets/${encodeURIComponent(cabinet)}/connection`;
}

export function useCabinetSimulator(props: { cabinet: string; token: string; initial: CabinetSlots }) {
  const { cabinet, token, initial } = props;
  const labelOf = useMemo(() => new Map(initial.keys.map((key) => [key.tag, key.label])), [initial]);
  const label = useCallback((fob: string) => labelOf.get(fob) ?? `fob ${fob}`, [labelOf]);

  const simulator = useMemo(() => {
    const fobs: Record<number, string> = {};
    for (const slot of initial.slots) if (slot.fob) fobs[slot.slot] = slot.fob;
    const sim = new CabinetSimulator({
      url: connectionUrl(cabinet),
      token,
      WebSocket: WebSocket as unknown as SimulatorSocketConstructor,
      slots: initial.slots.length,
      fobs,
    });
    // A release still open when the page opened: the server's until, turned into this browser's clock.
    const skew = Date.now() - new Date(initial.serverTime).getTime();
    for (const slot of initial.slots) {
      const state = sim.slots.get(slot.slot);
      if (state && slot.release && slot.fob) {
        state.release = {
          checkout: slot.release.checkout,
          until: new Date(slot.release.until).getTime() + skew,
        };
      }
    }
    return sim;
  }, [cabinet, token, initial]);

  // Fobs of this cabinet's keys that are in no slot: out with someone (or missing), so in "your hand" here.
  const [held, setHeld] = useState<string[]>(() => {
    const inSlots = new Set(initial.slots.map((slot) => slot.fob).filter(Boolean));
    return initial.keys.filter((key) => key.status !== 'in' && !inSlots.has(key.tag)).map((key) => key.tag);
  });
  const [log, setLog] = useState<LogEntry[]>([]);
  const [, setTick] = useState(0);
  const redraw = useCallback(() => setTick((tick) => tick + 1), []);
  const [wantOnline, setWantOnline] = useState(true);
  const [connection, setConnection] = useState<Connection>({ state: 'connecting' });
  const [busy, setBusy] = useState(false);
  const [doorOpenedAt, setDoorOpenedAt] = useState<number | null>(null);

  const say = useCallback((tone: LogTone, text: string) => {
    setLog((entries) => [{ id: (entries[0]?.id ?? 0) + 1, tone, text }, ...entries].slice(0, LOG_LENGTH));
  }, []);

  // What the server tells the cabinet, in words.
  useEffect(
    () =>
      simulator.subscribe((message: ServerMessage) => {
        if (message.type === 'release') {
          say(
            'ok',
            `The server released slot ${message.slot} (${label(message.key)}) for ${Math.round(message.withinMs / 1000)} s: take the fob now.`,
          );
        } else if (message.type === 'lock') {
          say(
            'info',
            `The server locked slot ${message.slot} again: nobody took the fob in time, so the checkout was undone.`,
          );
        } else if (message.type === 'error' && message.of === null) {
          say('alert', `The server refused a message: ${message.message}`);
        }
        redraw();
      }),
    [simulator, say, label, redraw],
  );

  // Online while wanted: connect, watch the connection, reconnect after a drop (not after being replaced).
  useEffect(() => {
    if (!wantOnline) {
      simulator.disconnect();
      setConnection({ state: 'offline', reason: 'You took the cabinet offline.', retrying: false });
      return;
    }
    let stopped = false;
    let online = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const attempt = async () => {
      setConnection({ state: 'connecting' });
      try {
        const ack = await simulator.connect();
        if (stopped) return;
        online = true;
        setConnection({ state: 'online' });
        say(
          'ok',
          ack.outcome === 'back-online'
            ? 'Connected: the server recorded the cabinet back online.'
            : 'Connected: the server knows which fob is in which slot.',
        );
      } catch (error) {
        if (stopped) return;
        const reason = error instanceof Error ? error.message : String(error);
        setConnection({
          state: 'offline',
          reason: `Could not connect (${reason}). Trying again…`,
          retrying: true,
        });
        retry = setTimeout(attempt, RECONNECT_MS);
      }
    };
    void attempt();
    const watch = setInterval(() => {
      redraw(); // release countdowns and the door's time open
      if (stopped || !online || simulator.connected) return;
      online = false;
      const code = simulator.closeCode;
      if (code === 4000) {
        setConnection({
          state: 'offline',
          reason:
            'Another simulator page for this cabinet took over (a cabinet has one connection). Close the other page, then choose Go online here.',
          retrying: false,
        });
        setWantOnline(false);
        return;
      }
      if (code === 4003) {
        setConnection({
          state: 'offline',
          reason:
            "The cabinet's token was revoked. Set the kiosk up with a new token, then reload this page.",
          retrying: false,
        });
        setWantOnline(false);
        return;
      }
      say('alert', `The connection dropped${code ? ` (close code ${code})` : ''}. Reconnecting…`);
      setConnection({ state: 'offline', reason: 'The connection dropped. Reconnecting…', retrying: true });
      retry = setTimeout(attempt, RECONNECT_MS);
    }, 1_000);
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(watch);
      simulator.disconnect();
    };
  }, [simulator, wantOnline, say, redraw]);

  /** Runs one physical action; on a refusal, puts the cabinet back as it was and says why. */
  const act = useCallback(
    async (undo: () => void, run: () => Promise<ServerAck>, done: (ack: ServerAck) => void) => {
      setBusy(true);
      try {
        done(await run());
      } catch (error) {
        undo();
        const message = error instanceof SimulatorError ? `${error.message} (${error.code})` : String(error);
        say('alert', `Not recorded: ${message}. Nothing changed; try again.`);
      } finally {
        setBusy(false);
        redraw();
      }
    },
    [say, redraw],
  );

  const removeFob = useCallback(
    (slot: number, forced: boolean) => {
      const state = simulator.slots.get(slot);
      if (!state?.fob) return;
      const before = { fob: state.fob, release: state.release };
      const fob = state.fob;
      void act(
        () => {
          state.fob = before.fob;
          state.release = before.release;
        },
        () => (forced ? simulator.pullFob(slot) : simulator.takeFob(slot)),
        (ack) => {
          setHeld((fobs) => [...fobs.filter((f) => f !== fob), fob]);
          if (ack.outcome === 'unauthorised-removal') {
            say(
              'alert',
              `Unauthorised removal: ${label(fob)} left slot ${slot} without a checkout. The server marked the key missing and ran the policy's consequences (an incident, a message).`,
            );
          } else {
            say('ok', `${label(fob)} taken from slot ${slot}: the server confirmed the checkout.`);
          }
        },
      );
    },
    [simulator, act, say, label],
  );

  const insertFob = useCallback(
    (slot: number, fob: string) => {
      const state = simulator.slots.get(slot);
      if (!state || state.fob) return;
      void act(
        () => {
          state.fob = null;
          state.release = null;
        },
        () => simulator.insertFob(slot, fob),
        (ack) => {
          setHeld((fobs) => fobs.filter((f) => f !== fob));
          if (ack.outcome === 'recovered') {
            say('ok', `${label(fob)} is back in slot ${slot}: the missing key was found again.`);
          } else {
            const how = [
              ack.late ? 'late' : 'on time',
              ack.wrongSlot ? 'in another slot than its own' : 'in its own slot',
            ];
            say(
              ack.late || ack.wrongSlot ? 'alert' : 'ok',
              `${label(fob)} returned in slot ${slot}: recorded ${how.join(', ')}.`,
            );
          }
        },
      );
    },
    [simulator, act, say, label],
  );

  const setDoor = useCallback(
    (open: boolean) => {
      const before = simulator.door;
      void act(
        () => {
          simulator.door = before;
        },
        () => (open ? simulator.openDoor() : simulator.closeDoor()),
        () => {
          setDoorOpenedAt(open ? Date.now() : null);
          say(
            'info',
            open
              ? 'Door open. Held open past the alert time (60 s by default), the server raises a door-open alert.'
              : 'Door closed.',
          );
        },
      );
    },
    [simulator, act, say],
  );

  return {
    simulator,
    label,
    held,
    log,
    connection,
    busy,
    doorOpenedAt,
    wantOnline,
    setWantOnline,
    removeFob,
    insertFob,
    setDoor,
  };
}
