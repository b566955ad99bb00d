/**
 * A Server-Sent Events stream that follows something in the database: woken by a hint on the live bus
 * (published after a commit) and by a re-read every few seconds (for changes no hint announced: the CLI,
 * another server process), it re-reads and writes only what is new. Reads never run two at once: a wake
 * during a read causes one more read. A comment line keeps proxies from closing an idle stream; the stream
 * ends when the client leaves, after `maxMs` (the client reconnects and is authenticated again), or when
 * the server closes (see closeStreamsOnShutdown).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { LiveEvents } from '../live/live-events.js';

/** A comment line every 25 s keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 25_000;

/** The open streams of a plugin, each ended when the server closes (or closing would wait for every client). */
export function closeStreamsOnShutdown(app: FastifyInstance): Set<() => void> {
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...streams]) close();
  });
  return streams;
}

export interface HintedEventStreamOptions {
  /** The registry from closeStreamsOnShutdown. */
  streams: Set<() => void>;
  live?: LiveEvents;
  /** The live-bus topic whose hints wake the stream. */
  topic: string;
  recheckMs: number;
  maxMs: number;
  /** Written right after the headers (a `retry:` line and the first event or a comment). */
  opening: string;
  /** Re-reads the database and returns the text of the events that are new ('' when nothing is). */
  read: () => Promise<string>;
  onReadError: (error: unknown) => void;
}

/** Takes the reply over and streams until the client leaves, `maxMs` passes or the server closes. */
export function openHintedEventStream(reply: FastifyReply, options: HintedEventStreamOptions): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx buffers responses unless told not to; an event that waits in a buffer is no event.
    'x-accel-buffering': 'no',
  });
  raw.write(options.opening);

  let done = false;
  let looking = false;
  let again = false;
  const look = async (): Promise<void> => {
    if (done) return;
    if (looking) {
      again = true;
      return;
    }
    looking = true;
    try {
      do {
        again = false;
        const text = await options.read();
        if (done) return;
        if (text) raw.write(text);
      } while (again && !done);
    } catch (error) {
      options.onReadError(error);
    } finally {
      looking = false;
    }
  };

  const unsubscribe = options.live?.subscribe(options.topic, () => void look()) ?? (() => {});
  const recheck = setInterval(() => void look(), options.recheckMs);
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const end = setTimeout(() => close(), options.maxMs);
  const stop = (): void => {
    if (done) return;
    done = true;
    unsubscribe();
    clearInterval(recheck);
    clearInterval(heartbeat);
    clearTimeout(end);
    options.streams.delete(close);
  };
  const close = (): void => {
    stop();
    raw.end();
  };
  options.streams.add(close);
  raw.on('close', stop);
  reply.request.raw.on('close', stop);
}
