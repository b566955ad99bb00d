/**
 * The sender: delivers `notification_messages` rows over e-mail, SMS, webhooks and the in-app inbox, with
 * retries, and never loses or doubles a message.
 *
 * - Claiming: one statement moves due rows (pending, or sending with an expired lease) to `sending` with
 *   `next_attempt_at = now + lease` and counts the attempt. On PostgreSQL the rows are picked with
 *   `FOR UPDATE SKIP LOCKED`, so several server processes share the work without waiting on each other
 *   and never claim the same row. A process that dies mid-send leaves its rows `sending`; they become due
 *   again when the lease runs out, and go out again under the same id (Message-ID, webhook-id, the SMS
 *   idempotency token), so a receiver can tell a resend from a new message.
 * - After the attempt, one transaction records the outcome and its audit entry: `notification.sent`,
 *   `notification.failed` (with the attempt, the error and the next try) or `notification.dead`.
 * - Retries back off exponentially with jitter (src/domain/notifications/delivery-policy.ts); a 4xx other
 *   than 408/429, or a refused recipient, is dead at once. A dead letter waits for an admin's retry.
 * - Waking: a committed message wakes the sender (src/notifications/wake.ts); a timer waits for the
 *   earliest next attempt, capped by a slow safety poll, so a lost wake costs latency, never a message. The
 *   loop itself (coalescing wakes, the timer, stopping) is the shared one in wakeable-worker.ts.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import type { SecretSealer } from '../credentials/credentials.service.js';
import {
  type DeliveryOutcome,
  type NextStep,
  nextStep,
  shortError,
  subscribesTo,
} from '../domain/notifications/delivery-policy.js';
import type { LiveEvents } from '../live/live-events.js';
import { dialectOf } from '../store/dialect-of.js';
import type { DB, NotificationMessageTable } from '../store/schema.js';
import { loadSmsForSending, loadSmtpForSending, loadWebhookForSending } from './channel-settings.js';
import { sendEmail } from './channels/email-channel.js';
import { sendSms } from './channels/sms-channel.js';
import { sendWebhook } from './channels/webhook-channel.js';
import { WAKE_CHANNELS } from './wake.js';
import { WakeableWorker } from './wakeable-worker.js';

export type MessageRow = Selectable<NotificationMessageTable>;

/**
 * The PostgreSQL channel that carries "a new in-app message for person X" to every server process, whose
 * wake listener republishes it on its own live bus (`inbox:<person>`) for the consoles connected there.
 */
export const INBOX_NOTIFY_CHANNEL = 'keywarden_inbox';

export interface SenderContext {
  audit: AuditLog;
  now: () => Date;
  secrets: SecretSealer;
  live: LiveEvents;
}

export interface SenderOptions {
  /** Deliveries in flight at once (default 4). */
  concurrency?: number;
  /** Rows claimed per statement (default 20). */
  batchSize?: number;
  /** How long a claim holds before the row is due again (default 2 minutes: above every channel's timeout). */
  leaseMs?: number;
  /** The longest the sender sleeps without a wake (default 1 minute). */
  safetyPollMs?: number;
  /** In [0, 1), for the retry jitter; tests pass a constant. */
  random?: () => number;
  /** Where failures of the sender itself go (a lost database connection); the default drops them. */
  onError?: (error: unknown) => void;
}

export interface RunSummary {
  sent: number;
  retried: number;
  dead: number;
  /** Waiting for their channel's settings (not attempts). */
  held: number;
}

export interface DeliveryResult {
  message: string;
  step: NextStep;
  outcome: DeliveryOutcome;
}

const DEFAULTS = {
  concurrency: 4,
  batchSize: 20,
  leaseMs: 2 * 60_000,
  safetyPollMs: 60_000,
};
/** A pass stops after this many batches and lets the timer take over, so one pass cannot hog the process. */
const MAX_BATCHES_PER_PASS = 50;

export class NotificationSender {
  private readonly options: Required<Omit<SenderOptions, 'onError'>> & Pick<SenderOptions, 'onError'>;
  private readonly worker: WakeableWorker<RunSummary>;
  private closed = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly context: SenderContext,
    options: SenderOptions = {},
  ) {
    this.options = { ...DEFAULTS, random: Math.random, ...options };
    this.worker = new WakeableWorker({
      wakeOn: [WAKE_CHANNELS.messages],
      run: () => this.deliverDueBatches(),
      nextAt: () => this.nextAttemptAt(),
      pollMs: this.options.safetyPollMs,
      now: () => this.context.now().getTime(),
      merge: addSummaries,
      onError: this.options.onError,
    });
  }

  /** Starts working in the background: on every wake, and by timer (wakeable-worker.ts). */
  start(): void {
    if (this.closed) return;
    this.worker.start();
  }

  /** Stops taking work and waits for the deliveries in flight to be recorded. */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker.stop();
  }

  /** When the earliest pending or claimed message is due (another try, or a lease running out). */
  private async nextAttemptAt(): Promise<number | null> {
    const next = await this.db
      .selectFrom('notification_messages')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('status', 'in', ['pending', 'sending'])
      .executeTakeFirst();
    return next?.at ? Date.parse(next.at) : null;
  }

  /**
   * Delivers everything due now, in batches, `concurrency` at a time, and returns what came of it. The
   * background loop calls it; tests call it directly after moving their clock. A call during a run joins
   * it (and makes it look once more) rather than claiming beside it.
   */
  runDueNow(): Promise<RunSummary> {
    return this.worker.runNow();
  }

  private async deliverDueBatches(): Promise<RunSummary> {
    const summary: RunSummary = { sent: 0, retried: 0, dead: 0, held: 0 };
    for (let batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
      const claimed = await this.claimDue(this.options.batchSize);
      if (claimed.length === 0) break;
      await forEachBounded(claimed, this.options.concurrency, async (row) => {
        try {
          const { step } = await this.deliverClaimed(row);
          if (step.status === 'sent') summary.sent++;
          else if (step.status === 'dead') summary.dead++;
          else if (step.status === 'held') summary.held++;
          else summary.retried++;
        } catch (error) {
          // Recording failed (the database went away): the row stays claimed and is tried again under the
          // same id after the lease. The other deliveries of the batch go on.
          this.options.onError?.(error);
        }
      });
      if (this.closed) break;
    }
    return summary;
  }

  /**
   * Claims up to `limit` due messages for this process: status `sending`, the attempt counted, due again
   * after the lease. Exposed for tests that play a process dying right after its claim.
   */
  async claimDue(limit: number): Promise<MessageRow[]> {
    const now = this.context.now();
    let due = this.db
      .selectFrom('notification_messages')
      .select('id')
      .where('status', 'in', ['pending', 'sending'])
      .where('next_attempt_at', '<=', now.toISOString())
      .orderBy('next_attempt_at')
      .limit(limit);
    if (dialectOf(this.db) === 'postgres') due = due.forUpdate().skipLocked();
    return this.db
      .updateTable('notification_messages')
      .set((eb) => ({
        status: 'sending',
        attempts: eb('attempts', '+', 1),
        next_attempt_at: new Date(now.getTime() + this.options.leaseMs).toISOString(),
      }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  /**
   * Claims one pending message now, whenever it is due, and delivers it (the console's and the CLI's
   * test message). Null when the message is not pending (another process has it, or it is done).
   */
  async sendNow(id: string): Promise<DeliveryResult | null> {
    const now = this.context.now();
    const row = await this.db
      .updateTable('notification_messages')
      .set((eb) => ({
        status: 'sending',
        attempts: eb('attempts', '+', 1),
        next_attempt_at: new Date(now.getTime() + this.options.leaseMs).toISOString(),
      }))
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    return row ? this.deliverClaimed(row) : null;
  }

  /** Delivers a claimed row and records the outcome and its audit entry in one transaction. */
  async deliverClaimed(row: MessageRow): Promise<DeliveryResult> {
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.attempt(row);
    } catch (error) {
      outcome = { kind: 'transient', error: (error as Error).message };
    }
    if (outcome.kind !== 'delivered') outcome = { ...outcome, error: shortError(outcome.error) };
    const step = nextStep(outcome, row.attempts, this.options.random());
    await this.record(row, step);
    if (step.status === 'sent' && row.channel === 'in-app') {
      this.context.live.publish(`inbox:${row.recipient_person_id ?? row.address}`, { message: row.id });
    }
    return { message: row.id, step, outcome };
  }

  private async attempt(row: MessageRow): Promise<DeliveryOutcome> {
    switch (row.channel) {
      case 'email': {
        const smtp = await loadSmtpForSending(this.db, this.context.secrets);
        if (!smtp) return { kind: 'unconfigured', error: 'SMTP is not configured' };
        return sendEmail(smtp, {
          id: row.id,
          to: row.address,
          subject: row.subject,
          text: row.body_text,
          html: row.body_html,
        });
      }
      case 'sms': {
        const provider = await loadSmsForSending(this.db, this.context.secrets);
        if (!provider) return { kind: 'unconfigured', error: 'the SMS provider is not configured' };
        return sendSms(provider, { id: row.id, to: row.address, body: row.body_text });
      }
      case 'webhook': {
        const endpoint = await loadWebhookForSending(this.db, this.context.secrets, row.address);
        if (!endpoint) return { kind: 'permanent', error: `no webhook endpoint ${row.address}` };
        if (!endpoint.active)
          return { kind: 'permanent', error: `webhook endpoint ${row.address} is inactive` };
        if (!subscribesTo(endpoint.eventTypes, row.event_type)) {
          return {
            kind: 'permanent',
            error: `webhook endpoint ${row.address} does not subscribe to ${row.event_type}`,
          };
        }
        return sendWebhook({
          id: row.id,
          endpointId: row.address,
          url: endpoint.url,
          secret: endpoint.secret,
          payload: row.payload,
          at: this.context.now(),
        });
      }
      case 'in-app':
        // Delivered by being in the inbox table; the live hint goes out after the commit.
        return { kind: 'delivered' };
      default:
        return { kind: 'permanent', error: `unknown channel ${String(row.channel)}` };
    }
  }

  private async record(row: MessageRow, step: NextStep): Promise<void> {
    const now = this.context.now();
    const at = now.toISOString();
    await this.db.transaction().execute(async (trx) => {
      // Only our own claim is updated: if the lease ran out and another process took the row, its outcome
      // counts (our attempt is still audited: it happened).
      const ours = trx
        .updateTable('notification_messages')
        .where('id', '=', row.id)
        .where('status', '=', 'sending')
        .where('attempts', '=', row.attempts);
      if (step.status === 'held') {
        // Not an attempt: the claim's count is given back, and nothing is audited.
        await ours
          .set({
            status: 'pending',
            attempts: row.attempts - 1,
            last_error: step.error,
            next_attempt_at: new Date(now.getTime() + step.recheckInMs).toISOString(),
          })
          .execute();
        return;
      }
      if (step.status === 'sent') {
        await ours.set({ status: 'sent', sent_at: at, last_error: null }).execute();
      } else if (step.status === 'dead') {
        await ours.set({ status: 'dead', last_error: step.error }).execute();
      } else {
        await ours
          .set({
            status: 'pending',
            last_error: step.error,
            next_attempt_at: new Date(now.getTime() + step.retryInMs).toISOString(),
          })
          .execute();
      }
      if (step.status === 'sent' && row.channel === 'in-app' && dialectOf(trx) === 'postgres') {
        // Consoles connected to other server processes hear of it too (wake-listener.ts publishes it there).
        const hint = JSON.stringify({ person: row.recipient_person_id ?? row.address, message: row.id });
        await sql`select pg_notify(${INBOX_NOTIFY_CHANNEL}, ${hint})`.execute(trx);
      }
      const common = {
        message: row.id,
        channel: row.channel,
        to: row.address,
        eventType: row.event_type,
        event: row.event_id,
        rule: row.rule_id,
        attempt: row.attempts,
      };
      await this.context.audit.append(trx, {
        type:
          step.status === 'sent'
            ? 'notification.sent'
            : step.status === 'dead'
              ? 'notification.dead'
              : 'notification.failed',
        at,
        actor: null,
        person: row.recipient_person_id,
        data:
          step.status === 'sent'
            ? common
            : step.status === 'dead'
              ? { ...common, error: step.error }
              : {
                  ...common,
                  error: step.error,
                  nextAttemptAt: new Date(now.getTime() + step.retryInMs).toISOString(),
                },
      });
    });
  }
}

function addSummaries(a: RunSummary, b: RunSummary): RunSummary {
  return {
    sent: a.sent + b.sent,
    retried: a.retried + b.retried,
    dead: a.dead + b.dead,
    held: a.held + b.held,
  };
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
