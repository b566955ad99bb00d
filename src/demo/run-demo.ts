/**
 * `keywarden demo`: loads the Riverside example as an approved policy and plays N days of planned key
 * traffic through the real checkout and return services, each at its own simulated instant, so that the
 * database, audit chain and outbox look exactly as after N real days. The notification workers (event
 * router, escalations, overdue scheduler, sender) run in the same simulated time, so messages, overdue
 * marks, escalations and incidents carry the instants they would have had, and a server started on the
 * demo does not announce two weeks of history as news. E-mail and SMS wait for their channel settings.
 */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import type { AppContext } from '../app/app-context.js';
import { recordCheckout, recordReturn } from '../checkouts/checkouts.service.js';
import { KeywardenError } from '../domain/errors.js';
import { nextEscalationAt } from '../notifications/escalations.js';
import { EventRouter } from '../notifications/event-router.js';
import { NotificationSender } from '../notifications/notification-sender.js';
import { OverdueScheduler } from '../overdue/overdue-scheduler.js';
import { approvePolicyVersion, importPolicyVersion } from '../policy/policy-versions.service.js';
import { planDemo } from './demo-plan.js';

export type DemoContext = Pick<
  AppContext,
  'store' | 'audit' | 'policies' | 'now' | 'secrets' | 'live' | 'publicUrl'
>;

export const DEMO_POLICY_URL = new URL('../../examples/riverside-pd.yaml', import.meta.url);

export interface DemoSummary {
  days: number;
  attempts: number;
  checkouts: number;
  denials: number;
  returns: number;
  late: number;
  stillOut: number;
}

interface PendingReturn {
  at: number;
  key: string;
  cabinet: string;
  slot: number;
}

/** Runs the demo into an empty database; refuses when a policy is already there. */
export async function runDemo(
  context: DemoContext,
  options: { days: number; seed: number; end?: Date },
): Promise<DemoSummary> {
  const existing = await context.store.db
    .selectFrom('policy_versions')
    .select('version')
    .limit(1)
    .executeTakeFirst();
  if (existing)
    throw new KeywardenError(
      'invalid_request',
      'the database already holds policy versions: run the demo on an empty database',
    );

  const end = options.end ?? context.now();
  const start = DateTime.fromJSDate(end, { zone: 'America/Chicago' })
    .minus({ days: options.days })
    .toISODate() as string;
  let clock = DateTime.fromISO(start, { zone: 'America/Chicago' }).toMillis() - 3_600_000;
  const services = { ...context, now: () => new Date(clock) };

  const source = readFileSync(DEMO_POLICY_URL, 'utf8');
  const { version } = await context.store.db
    .transaction()
    .execute((trx) => importPolicyVersion(trx, services, { source, by: 'p-okafor' }));
  clock += 600_000;
  await context.store.db
    .transaction()
    .execute((trx) => approvePolicyVersion(trx, services, { version: version.version, by: 'p-chen' }));
  context.policies.invalidate();

  const keys = new Map(
    (await context.store.db.selectFrom('keys').select(['id', 'cabinet_id', 'slot']).execute()).map((k) => [
      k.id,
      k,
    ]),
  );
  const summary: DemoSummary = {
    days: options.days,
    attempts: 0,
    checkouts: 0,
    denials: 0,
    returns: 0,
    late: 0,
    stillOut: 0,
  };
  const pending: PendingReturn[] = [];
  const endMs = end.getTime();

  // The background workers of `serve`, driven by hand at each simulated instant.
  const db = context.store.db;
  const router = new EventRouter(db, services);
  const overdue = new OverdueScheduler(db, services);
  const sender = new NotificationSender(db, services);
  let overdueNext: number | null = null;
  const settle = async () => {
    await router.runOnce();
    overdueNext = (await overdue.tick()).nextAt;
    await router.runOnce(); // the overdue events just raised
    await sender.runDueNow();
  };
  /** Runs what falls due (escalation steps, reminders, overdue marks) before `instant`, each at its time. */
  const catchUpTo = async (instant: number) => {
    for (let step = 0; step < 10_000; step++) {
      const escalation = await nextEscalationAt(db);
      const next = Math.min(overdueNext ?? Number.POSITIVE_INFINITY, escalation ?? Number.POSITIVE_INFINITY);
      if (!(next <= instant)) break;
      clock = Math.max(clock, next);
      await settle();
    }
    clock = Math.max(clock, instant);
  };

  const returnDueBefore = async (instant: number) => {
    pending.sort((a, b) => a.at - b.at);
    while (pending.length && (pending[0] as PendingReturn).at <= instant) {
      const next = pending.shift() as PendingReturn;
      await catchUpTo(next.at);
      const closed = await context.store.db.transaction().execute((trx) => recordReturn(trx, services, next));
      await settle();
      summary.returns++;
      if (closed.late) summary.late++;
    }
  };

  // One day more than asked: today, up to now, so that some keys are out as the demo ends.
  for (const attempt of planDemo({ start, days: options.days + 1, seed: options.seed })) {
    if (attempt.at > endMs) break;
    await returnDueBefore(attempt.at);
    await catchUpTo(attempt.at);
    summary.attempts++;
    try {
      const outcome = await context.store.db
        .transaction()
        .execute((trx) => recordCheckout(trx, services, attempt));
      await settle();
      if (!outcome.ok) {
        summary.denials++;
        continue;
      }
      summary.checkouts++;
      const key = keys.get(attempt.key);
      if (key && attempt.at + attempt.keepMs <= endMs) {
        pending.push({
          at: attempt.at + attempt.keepMs,
          key: key.id,
          cabinet: key.cabinet_id,
          slot: attempt.wrongSlot ?? key.slot,
        });
      }
    } catch (error) {
      // The key is still out with someone else: in life the person picks another key or waits.
      if (error instanceof KeywardenError && error.code === 'key_unavailable') continue;
      throw error;
    }
  }
  await returnDueBefore(endMs);
  await catchUpTo(endMs);
  await settle();
  summary.stillOut = (
    await context.store.db.selectFrom('checkouts').select('id').where('status', '=', 'open').execute()
  ).length;
  return summary;
}

/** For `serve --demo`: runs the demo only when the database has no policy at all. */
export async function loadDemoIfEmpty(
  context: DemoContext,
  options: { days: number; seed: number },
): Promise<DemoSummary | null> {
  const existing = await context.store.db
    .selectFrom('policy_versions')
    .select('version')
    .limit(1)
    .executeTakeFirst();
  if (existing) return null;
  return runDemo(context, options);
}
