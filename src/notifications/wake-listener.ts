/**
 * The PostgreSQL side of waking (src/notifications/wake.ts): one dedicated connection LISTENs on every wake
 * channel and wakes this process's workers on each NOTIFY, which PostgreSQL sends when the writing
 * transaction commits, in whichever server process it ran. A dropped connection is re-opened with growing
 * pauses (1 s up to 30 s); after each (re)connect every channel is woken once, since a NOTIFY sent while
 * nobody listened is lost (the workers' slow timers would find the work anyway, later).
 */
import pg from 'pg';
import type { LiveEvents } from '../live/live-events.js';
import { INBOX_NOTIFY_CHANNEL } from './notification-sender.js';
import { WAKE_CHANNELS, type WakeChannel, wakeLocally } from './wake.js';

const CHANNELS = Object.values(WAKE_CHANNELS) as WakeChannel[];
const MAX_PAUSE_MS = 30_000;

export interface WakeListener {
  /** Resolves once the first LISTEN is in place (or the first attempt failed: retries continue). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts listening with its own connection to `url` (a postgres:// URL).
 * @example const listener = listenForWakes(databaseUrl, { onError: (e) => log.warn(e) })
 */
export function listenForWakes(
  url: string,
  options: {
    onError?: (error: Error) => void;
    /** Where in-app deliveries made by other processes are republished (`inbox:<person>`). */
    live?: LiveEvents;
  } = {},
): WakeListener {
  let client: pg.Client | null = null;
  let closed = false;
  let pauseMs = 1000;
  let retry: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    client = next;
    next.on('notification', (message) => {
      if ((CHANNELS as string[]).includes(message.channel)) wakeLocally(message.channel as WakeChannel);
      else if (message.channel === INBOX_NOTIFY_CHANNEL && options.live)
        republishInbox(options.live, message.payload);
    });
    next.on('error', (error) => reconnect(next, error));
    next.on('end', () => reconnect(next, new Error('the wake listener connection ended')));
    try {
      await next.connect();
      // Channel names are our constants, not input: quoting them as identifiers is enough.
      for (const channel of CHANNELS) await next.query(`LISTEN "${channel}"`);
      if (options.live) await next.query(`LISTEN "${INBOX_NOTIFY_CHANNEL}"`);
      pauseMs = 1000;
      for (const channel of CHANNELS) wakeLocally(channel);
    } catch (error) {
      reconnect(next, error as Error);
    }
  };

  const reconnect = (failed: pg.Client, error: Error): void => {
    if (closed || client !== failed) return; // an old client's late event, or shutting down
    client = null;
    options.onError?.(error);
    failed.removeAllListeners('end');
    failed.end().catch(() => undefined);
    retry = setTimeout(() => void connect(), pauseMs);
    retry.unref();
    pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
  };

  const ready = connect();
  return {
    ready,
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = null;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => undefined);
      }
    },
  };
}

/** Publishes an inbox hint from another process on this process's live bus; a malformed one is dropped. */
function republishInbox(live: LiveEvents, payload: string | undefined): void {
  try {
    const { person, message } = JSON.parse(payload ?? '') as { person?: unknown; message?: unknown };
    if (typeof person === 'string' && typeof message === 'string')
      live.publish(`inbox:${person}`, { message });
  } catch {
    // a hint lost, never data: the console re-reads its inbox when it reconnects
  }
}
