/**
 * The background workers of notification rules, as `keywarden serve` runs them: the event router
 * (outbox events -> messages, escalation steps) and the overdue scheduler (reminders, overdue marks,
 * overdue consequences). Both are woken on commit and poll slowly as a safety net.
 */
import type { Kysely } from 'kysely';
import { OverdueScheduler, reminderLeadFromEnv } from '../overdue/overdue-scheduler.js';
import type { DB } from '../store/schema.js';
import { EventRouter } from './event-router.js';
import type { NotifyContext } from './notify-context.js';

export interface RuleWorkers {
  router: EventRouter;
  overdue: OverdueScheduler;
  stop(): Promise<void>;
}

export function startRuleWorkers(
  context: NotifyContext & { store: { db: Kysely<DB> } },
  options: { onError: (error: unknown, worker: 'event router' | 'overdue scheduler') => void },
): RuleWorkers {
  const router = new EventRouter(context.store.db, context, {
    onError: (error) => options.onError(error, 'event router'),
  });
  const overdue = new OverdueScheduler(context.store.db, context, {
    reminderLeadMs: reminderLeadFromEnv(),
    onError: (error) => options.onError(error, 'overdue scheduler'),
  });
  router.start();
  overdue.start();
  return {
    router,
    overdue,
    stop: async () => {
      await Promise.all([router.stop(), overdue.stop()]);
    },
  };
}
