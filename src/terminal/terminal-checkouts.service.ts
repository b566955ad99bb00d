/**
 * Taking a key at the terminal: the session's person, verified factors and witness, plus the reason, note
 * and approval the terminal sends, go through the one checkout path (checkouts.service.ts). A person who is
 * locked out takes nothing; a key of another cabinet cannot be taken here.
 */
import type { Transaction } from 'kysely';
import { approverFor, markApprovalUsed } from '../approvals/approvals.service.js';
import { type CheckoutOutcome, recordCheckout } from '../checkouts/checkouts.service.js';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import type { TerminalContext, TerminalSession } from './terminal-sessions.service.js';

export interface TerminalCheckoutRequest {
  key: string;
  reason?: string | null;
  note?: string | null;
  /** Id of an approved approval request. */
  approval?: string | null;
}

/** Throws locked_out when the person may not take keys now. */
export async function assertNotLockedOut(
  trx: Transaction<DB>,
  context: TerminalContext,
  person: string,
): Promise<void> {
  const until = await context.factors.lockedUntil(trx, person);
  if (until && until > context.now().toISOString()) {
    throw new KeywardenError(
      'locked_out',
      `You cannot take keys until ${until}. Ask your supervisor if you need a key now.`,
      { until },
    );
  }
}

/** Checks that the key lives in, or now sits in, the session's cabinet. */
async function assertKeyInCabinet(trx: Transaction<DB>, key: string, cabinet: string): Promise<void> {
  const home = await trx
    .selectFrom('keys')
    .select(['id', 'cabinet_id'])
    .where('id', '=', key)
    .executeTakeFirst();
  if (!home) throw new KeywardenError('unknown_key', `unknown key "${key}"`);
  if (home.cabinet_id === cabinet) return;
  const here = await trx
    .selectFrom('slots')
    .select('number')
    .where('cabinet_id', '=', cabinet)
    .where('key_id', '=', key)
    .executeTakeFirst();
  if (!here) throw new KeywardenError('key_not_in_cabinet', `key "${key}" is not in this cabinet`);
}

export async function checkoutAtTerminal(
  trx: Transaction<DB>,
  context: TerminalContext,
  session: TerminalSession,
  request: TerminalCheckoutRequest,
): Promise<CheckoutOutcome> {
  await assertNotLockedOut(trx, context, session.person);
  await assertKeyInCabinet(trx, request.key, session.cabinet);
  const approver = request.approval
    ? await approverFor(trx, context, { id: request.approval, person: session.person, key: request.key })
    : null;
  const outcome = await recordCheckout(trx, context, {
    person: session.person,
    key: request.key,
    factors: session.factors,
    reason: request.reason ?? null,
    note: request.note ?? null,
    approver,
    witness: session.witness,
  });
  // Consumed only by a checkout that happened: a denial leaves the approval for another try.
  if (outcome.ok && request.approval) await markApprovalUsed(trx, request.approval);
  return outcome;
}
