/**
 * The event router: turns outbox events into notification messages by the active policy's rules. In one
 * transaction per event it matches the rules (event type and the `when` filters), resolves each rule's
 * recipients, renders and writes the messages (message-writer.ts), starts the escalation of a rule that
 * escalates, runs the event's consequences, audits what it did (with every recipient skipped and why), and
 * marks the event delivered. A crash before the commit leaves the event pending and nothing written; the
 * messages' unique idempotency keys make a second pass over the same event write nothing twice.
 *
 * It runs when woken (wakeOnCommit on the outbox channel, after each event is committed), on a slow safety
 * poll, and when an escalation falls due (the loop is the shared one in wakeable-worker.ts). PostgreSQL:
 * several server processes share the events with FOR UPDATE SKIP LOCKED.
 */
import type { Kysely, Transaction } from 'kysely';
import { runEventConsequences } from '../consequences/consequences.service.js';
import { parseDuration } from '../domain/calendar/duration.js';
import { describeEvent, type RawEvent } from '../domain/notifications/event-facts.js';
import { matchingRules } from '../domain/notifications/match-rules.js';
import { type RecipientSkip, resolveRecipients } from '../domain/notifications/recipients.js';
import { dialectOf } from '../store/dialect-of.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';
import { nextEscalationAt, runDueEscalations } from './escalations.js';
import { writeMessages } from './message-writer.js';
import { activePolicyOrNull, type NotifyContext } from './notify-context.js';
import { WAKE_CHANNELS } from './wake.js';
import { WakeableWorker } from './wakeable-worker.js';

/** Attempts at one event before it is set aside as dead (a bug, not a delivery problem: see last_error). */
const MAX_ATTEMPTS = 10;

export interface RoutedEvent {
  event: string;
  rules: string[];
  messages: number;
  skipped: (RecipientSkip & { rule: string })[];
  consequences: number;
}

/** Routes one outbox event inside `trx` and marks it delivered. */
export async function routeEvent(
  trx: Transaction<DB>,
  context: NotifyContext,
  row: { id: string; event_type: string; payload: string; created_at: string },
): Promise<RoutedEvent> {
  const event: RawEvent = {
    id: row.id,
    type: row.event_type,
    at: row.created_at,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
  };
  const result: RoutedEvent = { event: row.id, rules: [], messages: 0, skipped: [], consequences: 0 };
  const active = await activePolicyOrNull(trx, context);
  if (active) {
    const facts = describeEvent(event, active.policy, active.compiled, context.publicUrl);
    for (const rule of matchingRules(active.policy.notifications, { ...facts, type: event.type })) {
      result.rules.push(rule.id);
      const { recipients, skipped } = resolveRecipients(rule.to, facts.personId, active.policy.people);
      const written = await writeMessages(trx, context, {
        facts,
        ruleId: rule.id,
        step: 0,
        channels: rule.via,
        recipients,
        acknowledge: rule.escalate !== undefined,
      });
      result.messages += written.written;
      result.skipped.push(...[...skipped, ...written.skipped].map((skip) => ({ ...skip, rule: rule.id })));
      const after = rule.escalate ? parseDuration(rule.escalate.after) : null;
      if (after !== null) {
        const at = context.now().toISOString();
        await trx
          .insertInto('notification_escalations')
          .values({
            id: newId(),
            event_id: event.id,
            rule_id: rule.id,
            step: 0,
            status: 'open',
            next_at: new Date(Date.parse(event.at) + after).toISOString(),
            created_at: at,
            updated_at: at,
          })
          .onConflict((conflict) => conflict.columns(['event_id', 'rule_id']).doNothing())
          .execute();
      }
    }
    result.consequences = await runEventConsequences(trx, context, active, facts);
    if (result.rules.length > 0 || result.skipped.length > 0) {
      await context.audit.append(trx, {
        type: 'notification.routed',
        at: context.now().toISOString(),
        person: facts.personId,
        key: facts.keyId,
        data: {
          event: event.id,
          eventType: event.type,
          rules: result.rules,
          messages: result.messages,
          skipped: result.skipped,
        },
      });
    }
  }
  await trx
    .updateTable('outbox')
    .set({ status: 'delivered', delivered_at: context.now().toISOString(), last_error: null })
    .where('id', '=', row.id)
    .execute();
  return result;
}

/** Claims the next pending event (locked for this transaction on PostgreSQL; others skip it). */
async function claimNextEvent(trx: Transaction<DB>, now: string) {
  let query = trx
    .selectFrom('outbox')
    .select(['id', 'event_type', 'payload', 'created_at', 'attempts'])
    .where('status', '=', 'pending')
    .where('available_at', '<=', now)
    .orderBy('available_at')
    .orderBy('id')
    .limit(1);
  if (dialectOf(trx) === 'postgres') query = query.forUpdate().skipLocked();
  return query.executeTakeFirst();
}

export interface EventRouterOptions {
  /** The safety poll: how often to look even without a wake (default 30 s). */
  pollMs?: number;
  /** Events per run before yielding (default 200). */
  batch?: number;
  onError?: (error: unknown) => void;
}

/** Runs routeEvent over pending events and the due escalation steps; see the file comment. */
export class EventRouter {
  private readonly worker: WakeableWorker<{ events: number; escalations: number }>;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly context: NotifyContext,
    private readonly options: EventRouterOptions = {},
  ) {
    this.worker = new WakeableWorker({
      wakeOn: [WAKE_CHANNELS.outbox],
      run: () => this.runOnce(),
      // Asked after the run, which may have opened or advanced escalations.
      nextAt: () => nextEscalationAt(this.db),
      pollMs: options.pollMs ?? 30_000,
      now: () => this.context.now().getTime(),
      onError: options.onError,
    });
  }

  /** Routes every pending event and runs every due escalation step now; returns how many of each. */
  async runOnce(): Promise<{ events: number; escalations: number }> {
    let events = 0;
    const batch = this.options.batch ?? 200;
    while (events < batch) {
      // The event being routed, so that one that fails can be set aside while the others go on.
      let claimedId: string | null = null;
      let claimedAttempts = 0;
      try {
        const routed = await this.db.transaction().execute(async (trx) => {
          const row = await claimNextEvent(trx, this.context.now().toISOString());
          if (!row) return false;
          claimedId = row.id;
          claimedAttempts = Number(row.attempts);
          await routeEvent(trx, this.context, row);
          return true;
        });
        if (!routed) break;
        events += 1;
      } catch (error) {
        if (claimedId === null) throw error;
        await this.setAside(claimedId, claimedAttempts, error);
        this.options.onError?.(error);
      }
    }
    const escalations = await runDueEscalations(this.db, this.context);
    return { events, escalations };
  }

  /** An event that fails to route is retried later with a growing delay, and dead after MAX_ATTEMPTS. */
  private async setAside(id: string, attempts: number, error: unknown): Promise<void> {
    const tries = attempts + 1;
    const delay = Math.min(30_000 * 2 ** (tries - 1), 3_600_000);
    await this.db
      .updateTable('outbox')
      .set({
        attempts: tries,
        status: tries >= MAX_ATTEMPTS ? 'dead' : 'pending',
        available_at: new Date(this.context.now().getTime() + delay).toISOString(),
        last_error: error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Routes now and on every outbox wake, escalation due time and safety poll (wakeable-worker.ts). */
  start(): void {
    this.worker.start();
  }

  /** Runs soon; a wake during a run makes one more run, so no event waits for the poll. */
  wake(): void {
    this.worker.wake();
  }

  /** Stops waking and waits for a run in progress. */
  stop(): Promise<void> {
    return this.worker.stop();
  }
}
