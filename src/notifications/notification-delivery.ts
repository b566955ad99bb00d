/**
 * Notification delivery as `keywarden serve` runs it: the sender in the background and, on PostgreSQL, the
 * wake listener (one LISTEN connection for every wake channel, so the event router is woken by it too).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.js';
import { NotificationSender, type SenderContext } from './notification-sender.js';
import { listenForWakes, type WakeListener } from './wake-listener.js';

export interface RunningDelivery {
  sender: NotificationSender;
  /** Stops listening and waits for the deliveries in flight to be recorded. */
  stop(): Promise<void>;
}

export function startNotificationDelivery(
  context: SenderContext & { store: { db: Kysely<DB> } },
  databaseUrl: string,
  options: { onError?: (error: unknown) => void } = {},
): RunningDelivery {
  const postgres = databaseUrl.startsWith('postgres://') || databaseUrl.startsWith('postgresql://');
  const listener: WakeListener | null = postgres
    ? listenForWakes(databaseUrl, { onError: (error) => options.onError?.(error), live: context.live })
    : null;
  const sender = new NotificationSender(context.store.db, context, { onError: options.onError });
  sender.start();
  return {
    sender,
    stop: async () => {
      await listener?.close();
      await sender.close();
    },
  };
}
