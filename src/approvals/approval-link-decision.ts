/**
 * Deciding through a one-time approval link. The link names the approver; the approver proves themself with
 * their password and authenticator code, checked by the console's own checks (verifyConsoleFactors in
 * src/console/console-sessions.service.ts, which sign-in uses too): the same lockout shared with the
 * cabinets, the same single-use codes, the same audit of failures (with `via: "approval-link"`), the same
 * answer to every failure. No console session is opened: the decision stands on its own.
 */
import type { Transaction } from 'kysely';
import type { ConsoleContext } from '../console/console-sessions.service.js';
import {
  type ConsoleUser,
  loadConsoleUser,
  verifyConsoleFactors,
} from '../console/console-sessions.service.js';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import { assertMayDecide } from './approval-access.js';
import { type ApprovalLink, findApprovalLink, spendApprovalLink } from './approval-links.js';
import { type Approval, decideApproval, eligibleApprovers, getApproval } from './approvals.service.js';

export const LINK_NOT_USABLE =
  'This approval link cannot be used any more: it was used already, or the request expired or was decided.';

export type LinkDecisionOutcome =
  | { ok: true; approval: Approval }
  | { ok: false; failure: 'link_not_usable' | 'authentication_failed' };

/** The link and its request when the link can still decide (unused, unexpired, request pending); else null. */
export async function usableLink(
  trx: Transaction<DB>,
  token: string,
  now: Date,
): Promise<{ link: ApprovalLink; approval: Approval } | null> {
  const link = await findApprovalLink(trx, token);
  if (!link || link.usedAt !== null || now.toISOString() > link.expiresAt) return null;
  const approval = await getApproval(trx, link.approval, now);
  return approval.status === 'pending' ? { link, approval } : null;
}

/**
 * Verifies the approver's two factors and decides. Returns (does not throw) a failed sign-in, so that the
 * caller commits the failure count and its audit entries; throws when the signed-in approver may not decide.
 */
export async function decideThroughLink(
  trx: Transaction<DB>,
  context: ConsoleContext,
  input: { token: string; password: string; totp: string; approve: boolean; note: string | null },
): Promise<LinkDecisionOutcome> {
  const now = context.now();
  const usable = await usableLink(trx, input.token, now);
  if (!usable) return { ok: false, failure: 'link_not_usable' };
  const { link, approval } = usable;
  const verified = await verifyConsoleFactors(
    trx,
    context,
    { person: link.person, password: input.password, totp: input.totp },
    'approval-link',
  );
  if (!verified.ok) {
    await context.audit.append(trx, {
      type: 'approval.link-refused',
      at: now.toISOString(),
      actor: link.person,
      person: approval.person,
      key: approval.key,
      cabinet: approval.cabinet,
      data: { approval: approval.id, reason: 'authentication_failed' },
    });
    return { ok: false, failure: 'authentication_failed' };
  }
  const user = (await loadConsoleUser(trx, link.person)) as ConsoleUser;
  assertMayDecide(user, approval, await eligibleApprovers(trx, approval.person, approval.approver));
  if (!(await spendApprovalLink(trx, input.token, now.toISOString())))
    throw new KeywardenError('approval_not_usable', LINK_NOT_USABLE);
  const decided = await decideApproval(trx, context, {
    id: approval.id,
    by: link.person,
    approve: input.approve,
    via: 'link',
    note: input.note,
  });
  return { ok: true, approval: decided };
}
