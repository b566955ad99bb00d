/**
 * Who may see and decide an approval request from the console. Reading: any console role, a supervisor
 * (holding no wider role) only their team's requests. Deciding: a role that holds approvals.decide, a
 * supervisor only for their team, and in every case only an approver the rule names (the person's
 * supervisor, or a holder of the role): the console role opens the door, the policy says who decides.
 */
import { allows, type ConsoleRole, onlyOverTeam } from '../domain/console/console-roles.js';
import { KeywardenError } from '../domain/errors.js';
import type { Approval } from './approvals.service.js';

export interface ApprovalViewer {
  person: string;
  roles: readonly ConsoleRole[];
  /** The people this user supervises, down the chain. */
  team: readonly string[];
}

/** Whether the user sees only their team's requests (a supervisor holding no wider role). */
export function readsOnlyTeam(user: ApprovalViewer): boolean {
  return onlyOverTeam(user.roles, 'approvals.read');
}

/** Throws forbidden when a supervisor-only user looks at another team's request. */
export function assertMayRead(user: ApprovalViewer, approval: Approval): void {
  if (readsOnlyTeam(user) && !user.team.includes(approval.person)) {
    throw new KeywardenError('forbidden', 'this approval request is not of your team');
  }
}

/** Throws forbidden unless `user` may decide `approval`; `eligible` are the approvers the rule names now. */
export function assertMayDecide(user: ApprovalViewer, approval: Approval, eligible: readonly string[]): void {
  if (!allows(user.roles, 'approvals.decide')) {
    throw new KeywardenError(
      'forbidden',
      `your console roles (${user.roles.join(', ')}) do not allow deciding approvals`,
    );
  }
  if (onlyOverTeam(user.roles, 'approvals.decide') && !user.team.includes(approval.person)) {
    throw new KeywardenError('forbidden', 'this approval request is not of your team');
  }
  if (!eligible.includes(user.person)) {
    const needs =
      approval.approver === 'supervisor'
        ? `${approval.person}'s supervisor`
        : `a ${approval.approver.slice(5)}`;
    throw new KeywardenError('forbidden', `this request needs ${needs} to decide it`, {
      approver: approval.approver,
    });
  }
}
