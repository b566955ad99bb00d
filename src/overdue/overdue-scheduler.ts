/**
 * The overdue scheduler. For each open checkout with a due time it does three things, each once:
 * - a reminder to the holder before the due time (default 15 minutes before; KEYWARDEN_REMINDER_LEAD,
 *   e.g. `30m`, or `0` for none), by e-mail, SMS and the console inbox where the person has each;
 * - at the due time: marks the checkout overdue (checkout_alerts), audits `checkout.overdue` and writes the
 *   `overdue` outbox event, which the event router turns into the policy's notifications;
 * - the policy's overdue consequences, each `after` past the due time if the key is still out.
 * "Once" is a row with a primary key (checkout_alerts, consequence_firings) inserted in the same
 * transaction as the work, so two processes or a re-run after a crash never do it twice.
 *
 * A timer is set to the next thing due among the open checkouts (so a checkout is marked overdue within
 * moments of its due time, well inside 5 seconds), re-armed when a new outbox event is committed (a new
 * checkout), with a slow safety poll besides.
 */
import type { Kysely, Transaction } from 'kysely';
import { fireConsequence } from '../consequences/consequences.service.js';
import { parseDuration } from '../domain/calendar/duration.js';
import { consequencesOn } from '../domain/notifications/consequences.js';
import { describeEvent, type EventFacts, type RawEvent } from '../domain/notifications/event-facts.js';
import { resolveRecipients } from '../domain/notifications/recipients.js';
import { writeMessages } from '../notifications/message-writer.js';
import { activePolicyOrNull, type NotifyContext } from '../notifications/notify-context.js';
import { enqueueOutboxEvent } from '../notifications/outbox.js';
import { WAKE_CHANNELS } from '../notifications/wake.js';
import { WakeableWorker } from '../notifications/wakeable-worker.js';
import type { ActivePolicy } from '../policy/active-policy.js';
import type { DB } from '../store/schema.js';

export const DEFAULT_REMINDER_LEAD_MS = 15 * 60_000;

/**
 * The reminder lead from KEYWARDEN_REMINDER_LEAD (`15m`, `1h`, `0` for no reminders); the default otherwise.
 * @example reminderLeadFromEnv({ KEYWARDEN_REMINDER_LEAD: '30m' }) // 1_800_000
 */
export function reminderLeadFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.KEYWARDEN_REMINDER_LEAD?.trim();
  if (!text) return DEFAULT_REMINDER_LEAD_MS;
  if (text === '0') return 0;
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`KEYWARDEN_REMINDER_LEAD must be a duration such as 15m or 1h, or 0`);
  return ms;
}

interface OpenCheckout {
  id: string;
  key_id: string;
  person_id: string;
  cabinet_id: string;
  slot: number;
  taken_at: string;
  due_at: string;
  reason: string | null;
}

export interface OverdueTick {
  reminders: number;
  overdue: number;
  consequences: number;
  /** When the next thing falls due (ms), or null. */
  nextAt: number | null;
}

export interface OverdueSchedulerOptions {
  reminderLeadMs?: number;
  /** The safety poll (default 60 s). */
  pollMs?: number;
  onError?: (error: unknown) => void;
}

function checkoutPayload(c: OpenCheckout): Record<string, unknown> {
  return {
    person: c.person_id,
    key: c.key_id,
    cabinet: c.cabinet_id,
    slot: c.slot,
    checkout: c.id,
    takenAt: c.taken_at,
    dueAt: c.due_at,
    reason: c.reason,
  };
}

export class OverdueScheduler {
  private readonly worker: WakeableWorker<OverdueTick>;
  readonly reminderLeadMs: number;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly context: NotifyContext,
    options: OverdueSchedulerOptions = {},
  ) {
    this.reminderLeadMs = options.reminderLeadMs ?? DEFAULT_REMINDER_LEAD_MS;
    this.worker = new WakeableWorker({
      // A new checkout writes an outbox event: its due time may be the next one.
      wakeOn: [WAKE_CHANNELS.outbox],
      run: () => this.tick(),
      nextAt: (lastTick) => lastTick?.nextAt ?? null,
      pollMs: options.pollMs ?? 60_000,
      now: () => this.context.now().getTime(),
      onError: options.onError,
    });
  }

  /** Does everything due now; returns what it did and when to look next. */
  async tick(): Promise<OverdueTick> {
    const now = this.context.now().getTime();
    const result: OverdueTick = { reminders: 0, overdue: 0, consequences: 0, nextAt: null };
    const later = (at: number) => {
      if (at > now && (result.nextAt === null || at < result.nextAt)) result.nextAt = at;
    };
    const open = (await this.db
      .selectFrom('checkouts')
      .select(['id', 'key_id', 'person_id', 'cabinet_id', 'slot', 'taken_at', 'due_at', 'reason'])
      .where('status', '=', 'open')
      .where('due_at', 'is not', null)
      .orderBy('due_at')
      .execute()) as OpenCheckout[];
    if (open.length === 0) return result;
    const alerts = new Set(
      (
        await this.db
          .selectFrom('checkout_alerts as a')
          .innerJoin('checkouts as c', 'c.id', 'a.checkout_id')
          .select(['a.checkout_id', 'a.kind'])
          .where('c.status', '=', 'open')
          .execute()
      ).map((a) => `${a.kind}/${a.checkout_id}`),
    );
    const active = await this.db.transaction().execute((trx) => activePolicyOrNull(trx, this.context));
    const overdueConsequences = active ? consequencesOn(active.policy.consequences, 'overdue') : [];
    const fired = new Set(
      overdueConsequences.length === 0
        ? []
        : (
            await this.db
              .selectFrom('consequence_firings')
              .select('firing_key')
              .where('on_event', '=', 'overdue')
              // Firings of these checkouts cannot be older than the oldest of them.
              .where('at', '>=', open.map((c) => c.taken_at).sort()[0] ?? '')
              .execute()
          ).map((f) => f.firing_key),
    );

    for (const checkout of open) {
      const due = Date.parse(checkout.due_at);
      if (
        this.reminderLeadMs > 0 &&
        !alerts.has(`reminder/${checkout.id}`) &&
        !alerts.has(`overdue/${checkout.id}`)
      ) {
        if (due > now && due - this.reminderLeadMs <= now) {
          if (await this.inTransaction((trx) => this.remind(trx, checkout, active))) result.reminders += 1;
        } else later(due - this.reminderLeadMs);
      }
      if (!alerts.has(`overdue/${checkout.id}`)) {
        if (due <= now) {
          if (await this.inTransaction((trx) => this.markOverdue(trx, checkout))) result.overdue += 1;
        } else later(due);
      }
      for (const indexed of overdueConsequences) {
        const key = `overdue/${checkout.id}/${indexed.index}`;
        if (fired.has(key) || !active) continue;
        if (due + indexed.afterMs <= now) {
          const done = await this.inTransaction(async (trx) =>
            fireConsequence(trx, this.context, active, {
              indexed,
              key,
              facts: await this.overdueFacts(trx, checkout, active),
              person: checkout.person_id,
              checkout: checkout.id,
              at: this.context.now().toISOString(),
            }),
          );
          if (done) result.consequences += 1;
        } else later(due + indexed.afterMs);
      }
    }
    return result;
  }

  private inTransaction<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /** Inserts the once-only mark; false when another run got there first. */
  private async mark(trx: Transaction<DB>, checkout: string, kind: 'reminder' | 'overdue'): Promise<boolean> {
    const inserted = await trx
      .insertInto('checkout_alerts')
      .values({ checkout_id: checkout, kind, at: this.context.now().toISOString() })
      .onConflict((conflict) => conflict.columns(['checkout_id', 'kind']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    // Still open? A return committed since the scan makes the mark moot.
    const still = await trx
      .selectFrom('checkouts')
      .select('id')
      .where('id', '=', checkout)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return still !== undefined;
  }

  private async markOverdue(trx: Transaction<DB>, checkout: OpenCheckout): Promise<boolean> {
    if (!(await this.mark(trx, checkout.id, 'overdue'))) return false;
    const at = this.context.now().toISOString();
    const data = {
      checkout: checkout.id,
      slot: checkout.slot,
      takenAt: checkout.taken_at,
      dueAt: checkout.due_at,
    };
    await this.context.audit.append(trx, {
      type: 'checkout.overdue',
      at,
      person: checkout.person_id,
      key: checkout.key_id,
      cabinet: checkout.cabinet_id,
      data,
    });
    await enqueueOutboxEvent(trx, {
      eventType: 'overdue',
      at,
      idempotencyKey: `overdue-${checkout.id}`,
      payload: checkoutPayload(checkout),
    });
    return true;
  }

  private async remind(
    trx: Transaction<DB>,
    checkout: OpenCheckout,
    active: ActivePolicy | null,
  ): Promise<boolean> {
    if (!active || !(await this.mark(trx, checkout.id, 'reminder'))) return false;
    const event: RawEvent = {
      id: `reminder-${checkout.id}`,
      type: 'due-soon',
      at: this.context.now().toISOString(),
      payload: checkoutPayload(checkout),
    };
    const facts = describeEvent(event, active.policy, active.compiled, this.context.publicUrl);
    const { recipients, skipped } = resolveRecipients(['person'], checkout.person_id, active.policy.people);
    const written = await writeMessages(trx, this.context, {
      facts,
      ruleId: 'system:reminder',
      step: 0,
      channels: ['email', 'sms', 'in-app'],
      recipients,
      acknowledge: false,
    });
    await this.context.audit.append(trx, {
      type: 'checkout.reminder',
      at: event.at,
      person: checkout.person_id,
      key: checkout.key_id,
      data: {
        checkout: checkout.id,
        dueAt: checkout.due_at,
        messages: written.written,
        skipped: [...skipped, ...written.skipped],
      },
    });
    return true;
  }

  /** The facts of a checkout's overdue event (the outbox event when written), for a consequence. */
  private async overdueFacts(
    trx: Transaction<DB>,
    checkout: OpenCheckout,
    active: ActivePolicy,
  ): Promise<EventFacts> {
    const row = await trx
      .selectFrom('outbox')
      .select(['id', 'created_at'])
      .where('idempotency_key', '=', `overdue-${checkout.id}`)
      .executeTakeFirst();
    const event: RawEvent = {
      id: row?.id ?? `overdue-${checkout.id}`,
      type: 'overdue',
      at: row?.created_at ?? checkout.due_at,
      payload: checkoutPayload(checkout),
    };
    return describeEvent(event, active.policy, active.compiled, this.context.publicUrl);
  }

  /** Ticks now, at the next due instant, on outbox wakes and on the safety poll (wakeable-worker.ts). */
  start(): void {
    this.worker.start();
  }

  wake(): void {
    this.worker.wake();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }
}
