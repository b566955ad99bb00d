/**
 * Runs the policy's consequences: three denials within ten minutes lock the person and tell their
 * supervisor; a key long overdue or taken from its slot without a checkout opens an incident. Each firing
 * is recorded once under a key (consequence_firings), so re-running after a crash does nothing twice, and
 * audited with what it did.
 */
import type { Transaction } from 'kysely';
import { applyPolicyLock } from '../credentials/factor-lockouts.js';
import {
  consequencesOn,
  countReached,
  type IndexedConsequence,
} from '../domain/notifications/consequences.js';
import type { EventFacts } from '../domain/notifications/event-facts.js';
import { resolveRecipients } from '../domain/notifications/recipients.js';
import { openIncident } from '../incidents/incidents.service.js';
import { writeMessages } from '../notifications/message-writer.js';
import type { NotifyContext } from '../notifications/notify-context.js';
import type { ActivePolicy } from '../policy/active-policy.js';
import { dialectOf } from '../store/dialect-of.js';
import type { DB } from '../store/schema.js';

export interface Firing {
  indexed: IndexedConsequence;
  /** Unique per firing: `denied/<event>/<index>`, `overdue/<checkout>/<index>`, ... */
  key: string;
  facts: EventFacts;
  person: string | null;
  checkout: string | null;
  /** The instant the firing belongs to (the event's time), for windows. */
  at: string;
}

/** Applies one consequence once; returns false when this firing happened before. */
export async function fireConsequence(
  trx: Transaction<DB>,
  context: NotifyContext,
  active: ActivePolicy,
  firing: Firing,
): Promise<boolean> {
  const { indexed, facts } = firing;
  const inserted = await trx
    .insertInto('consequence_firings')
    .values({
      firing_key: firing.key,
      consequence: indexed.index,
      on_event: indexed.consequence.on,
      person_id: firing.person,
      event_id: facts.event.id,
      at: firing.at,
    })
    .onConflict((conflict) => conflict.column('firing_key').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;

  const why = `consequence ${indexed.index + 1} (${indexed.consequence.on}${
    indexed.consequence.count ? `, ${indexed.consequence.count} within ${indexed.consequence.within}` : ''
  }${indexed.consequence.after ? `, after ${indexed.consequence.after}` : ''})`;
  const done: Record<string, unknown>[] = [];
  for (const action of indexed.actions) {
    if (action.kind === 'lock') {
      if (!firing.person) continue;
      const status = await applyPolicyLock(trx, context, firing.person, action.ms, why);
      done.push({ lock: action.text, until: status.lockedUntil });
    } else if (action.kind === 'incident') {
      const incident = await openIncident(trx, context, {
        kind: indexed.consequence.on,
        person: firing.person,
        key: facts.keyId,
        checkout: firing.checkout,
        summary: `${facts.values['event.summary']} (${why})`,
        cause: {
          type: facts.event.type,
          id: facts.event.id,
          text: facts.values['event.summary'],
          at: facts.event.at,
        },
      });
      done.push({ incident: incident.id, owner: incident.owner });
    } else {
      const { recipients, skipped } = resolveRecipients(
        [action.recipient],
        firing.person,
        active.policy.people,
      );
      // A consequence names no channel: it goes by e-mail, and to the console inbox of people.
      const written = await writeMessages(trx, context, {
        facts,
        ruleId: `consequence:${indexed.index}`,
        step: 0,
        channels: ['email', 'in-app'],
        recipients,
        acknowledge: false,
      });
      done.push({
        notify: action.recipient,
        messages: written.written,
        skipped: [...skipped, ...written.skipped.filter((skip) => skip.reason !== 'no in-app address')],
      });
    }
  }
  await context.audit.append(trx, {
    type: 'consequence.applied',
    at: context.now().toISOString(),
    person: firing.person,
    key: facts.keyId,
    data: {
      consequence: indexed.index,
      on: indexed.consequence.on,
      actions: indexed.consequence.then,
      event: facts.event.id,
      checkout: firing.checkout,
      done,
    },
  });
  return true;
}

/**
 * The consequences an outbox event triggers when it is routed: `denied` (counted per person over the
 * window, from the audit log's checkout.denied entries) and `unauthorised-removal`. Overdue consequences
 * run from the overdue scheduler, which knows how long a key has been out.
 */
export async function runEventConsequences(
  trx: Transaction<DB>,
  context: NotifyContext,
  active: ActivePolicy,
  facts: EventFacts,
): Promise<number> {
  const type = facts.event.type;
  if (type !== 'denied' && type !== 'unauthorised-removal') return 0;
  let fired = 0;
  for (const indexed of consequencesOn(active.policy.consequences, type)) {
    const firing: Firing = {
      indexed,
      key: `${type}/${facts.event.id}/${indexed.index}`,
      facts,
      person: facts.personId,
      checkout: null,
      at: facts.event.at,
    };
    if (type === 'denied') {
      if (!facts.personId) continue;
      if (indexed.consequence.count !== undefined && indexed.withinMs !== null) {
        if (dialectOf(trx) === 'postgres') {
          // Two routers counting two denials of one person at once would both see the threshold reached
          // and neither the other's firing: one person's counts are taken one at a time.
          await trx.selectFrom('people').select('id').where('id', '=', facts.personId).forUpdate().execute();
        }
        const since = new Date(Date.parse(facts.event.at) - indexed.withinMs).toISOString();
        const denied = await trx
          .selectFrom('audit_entries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('person_id', '=', facts.personId)
          .where('type', '=', 'checkout.denied')
          .where('at', '>', since)
          .where('at', '<=', facts.event.at)
          .executeTakeFirstOrThrow();
        const earlier = await trx
          .selectFrom('consequence_firings')
          .select('firing_key')
          .where('consequence', '=', indexed.index)
          .where('person_id', '=', facts.personId)
          .where('at', '>', since)
          .executeTakeFirst();
        if (!countReached(indexed.consequence, Number(denied.n), earlier !== undefined)) continue;
      }
    }
    if (await fireConsequence(trx, context, active, firing)) fired += 1;
  }
  return fired;
}
