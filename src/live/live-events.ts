/**
 * Live events inside the server: a small publish/subscribe bus so that one part can wake another the moment
 * something is committed (the notification dispatcher when a message is written, a terminal waiting for an
 * approval's outcome, the console's inbox). Publish only after the transaction that wrote the change has
 * committed, and treat an event as a hint ("look again"), never as the data itself: a listener re-reads
 * the database, so a lost or duplicated hint costs a little latency and never correctness.
 *
 * This in-process bus serves one server process. Several processes on one PostgreSQL share hints through
 * LISTEN/NOTIFY behind the same interface; on SQLite (one process by design) this bus is all there is.
 */
import { EventEmitter } from 'node:events';

/** Topics in use; a topic may carry a suffix, e.g. `approval:<id>`. */
export type LiveTopic = string;

export interface LiveEvents {
  /** Tells every subscriber of `topic` (in this process and, where supported, in others). */
  publish(topic: LiveTopic, data?: Record<string, unknown>): void;
  /** Calls `listener` on each publish to `topic`; returns the function that unsubscribes. */
  subscribe(topic: LiveTopic, listener: (data: Record<string, unknown>) => void): () => void;
  close(): Promise<void>;
}

export class InProcessLiveEvents implements LiveEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Many terminals and consoles may wait at once; the default limit of 10 would warn.
    this.emitter.setMaxListeners(0);
  }

  publish(topic: LiveTopic, data: Record<string, unknown> = {}): void {
    // A throwing listener must not break the publisher (who has already committed).
    for (const listener of this.emitter.listeners(topic)) {
      try {
        (listener as (data: Record<string, unknown>) => void)(data);
      } catch {
        // listeners handle their own errors; a hint that fails is a hint lost, never data lost
      }
    }
  }

  subscribe(topic: LiveTopic, listener: (data: Record<string, unknown>) => void): () => void {
    this.emitter.on(topic, listener);
    return () => this.emitter.off(topic, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
