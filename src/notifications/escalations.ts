/**
 * Escalation: a rule with `escalate: { after, to }` notifies its own recipients first (step 0); while
 * nobody has acknowledged the event, each `after` later the `to` recipients of `escalate` are notified
 * again (steps 1, 2, 3), each message with its own one-time acknowledgement link. The first
 * acknowledgement (acknowledgements.service.ts) stops it; after MAX_ESCALATION_STEPS it stops by itself,
 * so an unattended system does not page people forever. Each step is audited.
 */
import type { Kysely, Transaction } from 'kysely';
import { parseDuration } from '../domain/calendar/duration.js';
import { describeEvent } from '../domain/notifications/event-facts.js';
import { resolveRecipients } from '../domain/notifications/recipients.js';
import { dialectOf } from '../store/dialect-of.js';
import type { DB } from '../store/schema.js';
import { writeMessages } from './message-writer.js';
import { activePolicyOrNull, type NotifyContext } from './notify-context.js';

/** Escalation steps after the rule's own notification. */
export const MAX_ESCALATION_STEPS = 3;

/** The earliest time an open escalation falls due (ms), or null. */
export async function nextEscalationAt(db: Kysely<DB>): Promise<number | null> {
  const row = await db
    .selectFrom('notification_escalations')
    .select((eb) => eb.fn.min('next_at').as('next'))
    .where('status', '=', 'open')
    .executeTakeFirst();
  return row?.next ? Date.parse(String(row.next)) : null;
}

async function claimDue(trx: Transaction<DB>, now: string) {
  let query = trx
    .selectFrom('notification_escalations')
    .selectAll()
    .where('status', '=', 'open')
    .where('next_at', '<=', now)
    .orderBy('next_at')
    .limit(1);
  if (dialectOf(trx) === 'postgres') query = query.forUpdate().skipLocked();
  return query.executeTakeFirst();
}

/** Sends one due escalation step, in `trx`; false when none is due. */
export async function runOneEscalation(trx: Transaction<DB>, context: NotifyContext): Promise<boolean> {
  const now = context.now();
  const at = now.toISOString();
  const due = await claimDue(trx, at);
  if (!due) return false;
  const stop = async (status: 'cancelled' | 'acknowledged', why: string) => {
    await trx
      .updateTable('notification_escalations')
      .set({ status, next_at: null, updated_at: at })
      .where('id', '=', due.id)
      .execute();
    await context.audit.append(trx, {
      type: 'notification.escalation-stopped',
      at,
      data: { event: due.event_id, rule: due.rule_id, step: due.step, status, why },
    });
    return true;
  };
  const acknowledged = await trx
    .selectFrom('notification_acknowledgements')
    .select('event_id')
    .where('event_id', '=', due.event_id)
    .executeTakeFirst();
  if (acknowledged) return stop('acknowledged', 'the event was acknowledged');
  const event = await trx
    .selectFrom('outbox')
    .select(['id', 'event_type', 'payload', 'created_at'])
    .where('id', '=', due.event_id)
    .executeTakeFirst();
  const active = await activePolicyOrNull(trx, context);
  const rule = active?.policy.notifications.find((r) => r.id === due.rule_id);
  const after = rule?.escalate ? parseDuration(rule.escalate.after) : null;
  if (!event || !active || !rule?.escalate || after === null) {
    return stop('cancelled', 'the active policy no longer has this escalating rule');
  }

  const facts = describeEvent(
    {
      id: event.id,
      type: event.event_type,
      at: event.created_at,
      payload: JSON.parse(event.payload) as Record<string, unknown>,
    },
    active.policy,
    active.compiled,
    context.publicUrl,
  );
  const step = due.step + 1;
  const { recipients, skipped } = resolveRecipients(rule.escalate.to, facts.personId, active.policy.people);
  const written = await writeMessages(trx, context, {
    facts,
    ruleId: rule.id,
    step,
    channels: rule.via,
    recipients,
    acknowledge: true,
    escalationNote: `Not acknowledged yet: escalation ${step} of ${MAX_ESCALATION_STEPS} (every ${rule.escalate.after}).`,
  });
  const last = step >= MAX_ESCALATION_STEPS;
  await trx
    .updateTable('notification_escalations')
    .set({
      step,
      status: last ? 'exhausted' : 'open',
      next_at: last ? null : new Date(now.getTime() + after).toISOString(),
      updated_at: at,
    })
    .where('id', '=', due.id)
    .execute();
  await context.audit.append(trx, {
    type: 'notification.escalated',
    at,
    person: facts.personId,
    key: facts.keyId,
    data: {
      event: due.event_id,
      rule: rule.id,
      step,
      to: rule.escalate.to,
      messages: written.written,
      skipped: [...skipped, ...written.skipped],
      last,
    },
  });
  return true;
}

/** Runs every escalation step that is due, one transaction each; returns how many ran. */
export async function runDueEscalations(db: Kysely<DB>, context: NotifyContext): Promise<number> {
  let count = 0;
  while (await db.transaction().execute((trx) => runOneEscalation(trx, context))) count += 1;
  return count;
}
