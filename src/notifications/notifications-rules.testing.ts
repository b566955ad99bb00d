/**
 * The test bed of the notification-rule tests: a fresh database with a Riverside policy made for them
 * (patrol cars restricted; the after-hours rule for restricted and critical keys, to the person and their
 * supervisor; a rule for approval requests), the router and the helpers to take and refuse keys.
 */

import type { Selectable } from 'kysely';
import { type CheckoutRequest, recordCheckout } from '../checkouts/checkouts.service.js';
import { type CredentialTestBed, createCredentialTestBed } from '../credentials/credentials.testing.js';
import type { Dialect } from '../store/database.js';
import type { NotificationMessageTable } from '../store/schema.js';
import { RIVERSIDE_POLICY } from '../testing/service-context.js';
import { EventRouter } from './event-router.js';

export const RULES_POLICY = RIVERSIDE_POLICY.replace(
  '{ id: patrol-cars, name: Patrol vehicles, sensitivity: normal }',
  '{ id: patrol-cars, name: Patrol vehicles, sensitivity: restricted }',
)
  .replace(
    `  - id: after-hours-removal
    on: [checkout]
    when: { afterHours: true }
    to: [supervisor]`,
    `  - id: after-hours-removal
    on: [checkout]
    when: { afterHours: true, sensitivity: [restricted, critical] }
    to: [supervisor, person]`,
  )
  .replace(
    'consequences:\n',
    `  - id: approvals
    on: [approval-requested]
    to: [supervisor, role:sergeant]
    via: [email]

consequences:
`,
  );

/** Wednesday 2026-11-25, 21:30 at Central Station (America/Chicago): after hours. */
export const WEDNESDAY_NIGHT = '2026-11-26T03:30:00.000Z';
/** Wednesday 2026-11-25, 10:30 at Central Station: business hours. */
export const WEDNESDAY_MORNING = '2026-11-25T16:30:00.000Z';

export type MessageRow = Selectable<NotificationMessageTable>;

export interface RulesTestBed extends CredentialTestBed {
  router: EventRouter;
  take(request: CheckoutRequest): Promise<string>;
  refuse(request: CheckoutRequest): Promise<void>;
  messages(event?: string): Promise<MessageRow[]>;
}

export async function createRulesTestBed(dialect: Dialect): Promise<RulesTestBed> {
  const bed = await createCredentialTestBed(dialect);
  if (!RULES_POLICY.includes('sensitivity: [restricted, critical] }\n    to: [supervisor, person]'))
    throw new Error('the Riverside example changed: RULES_POLICY no longer applies');
  await bed.context.activatePolicy(RULES_POLICY);
  const router = new EventRouter(bed.db, bed.context);
  return {
    ...bed,
    router,
    async take(request) {
      const outcome = await bed.db.transaction().execute((trx) => recordCheckout(trx, bed.context, request));
      if (!outcome.ok) throw new Error(`checkout refused: ${outcome.decision.explanation}`);
      const event = await bed.db
        .selectFrom('outbox')
        .select('id')
        .where('idempotency_key', '=', `checkout-${outcome.checkout.id}`)
        .executeTakeFirstOrThrow();
      return event.id;
    },
    async refuse(request) {
      const outcome = await bed.db.transaction().execute((trx) => recordCheckout(trx, bed.context, request));
      if (outcome.ok) throw new Error('checkout allowed, expected a denial');
    },
    async messages(event) {
      let query = bed.db.selectFrom('notification_messages').selectAll().orderBy('idempotency_key');
      if (event) query = query.where('event_id', '=', event);
      return query.execute();
    },
  };
}
