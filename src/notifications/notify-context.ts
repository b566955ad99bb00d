/** What the event router, escalations, consequences and the overdue scheduler need from the app context. */

import type { Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import type { LiveEvents } from '../live/live-events.js';
import type { ActivePolicy, ActivePolicyCache } from '../policy/active-policy.js';
import type { DB } from '../store/schema.js';

export interface NotifyContext {
  audit: AuditLog;
  policies: ActivePolicyCache;
  now: () => Date;
  /** For links in messages (the console, acknowledgement links). */
  publicUrl: string;
  live?: LiveEvents;
}

/** The active policy, or null before any version was approved (nothing to notify by then). */
export async function activePolicyOrNull(
  trx: Transaction<DB>,
  context: NotifyContext,
): Promise<ActivePolicy | null> {
  try {
    return await context.policies.get(trx);
  } catch (error) {
    if (error instanceof KeywardenError && error.code === 'no_active_policy') return null;
    throw error;
  }
}
