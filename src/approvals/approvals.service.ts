/**
 * Approval requests: a rule needs the supervisor's or a role's approval; the terminal asks, the approver
 * decides (console, one-time link, or for now the CLI), the checkout uses the approval once. Requests
 * expire after 10 minutes. Every step is audited and the request is announced through the outbox.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import { enqueueOutboxEvent } from '../notifications/outbox.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';

export const APPROVAL_TTL_MS = 10 * 60_000;

export interface ApprovalContext {
  audit: AuditLog;
  now: () => Date;
}

export interface Approval {
  id: string;
  person: string;
  key: string;
  cabinet: string;
  reason: string | null;
  /** `supervisor` or `role:<id>`, as the rule names it. */
  approver: string;
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'used';
  requestedAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

type ApprovalRow = Awaited<ReturnType<typeof findApprovalRow>>;

function findApprovalRow(db: Kysely<DB>, id: string) {
  return db.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

function toApproval(row: NonNullable<ApprovalRow>, now: Date): Approval {
  const expired = row.status === 'pending' && now.toISOString() > row.expires_at;
  return {
    id: row.id,
    person: row.person_id,
    key: row.key_id,
    cabinet: row.cabinet_id,
    reason: row.reason,
    approver: row.approver_rule,
    status: expired ? 'expired' : row.status,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
  };
}

/** Who may decide: the person's supervisor, or every active holder of the role. */
export async function eligibleApprovers(db: Kysely<DB>, person: string, approver: string): Promise<string[]> {
  if (approver === 'supervisor') {
    const row = await db
      .selectFrom('people')
      .select('supervisor_id')
      .where('id', '=', person)
      .executeTakeFirst();
    if (!row?.supervisor_id) return [];
    const supervisor = await db
      .selectFrom('people')
      .select('id')
      .where('id', '=', row.supervisor_id)
      .where('active', '=', 1)
      .executeTakeFirst();
    return supervisor ? [supervisor.id] : [];
  }
  const role = approver.startsWith('role:') ? approver.slice(5) : approver;
  const holders = await db
    .selectFrom('person_roles')
    .innerJoin('people', 'people.id', 'person_roles.person_id')
    .select('people.id')
    .where('person_roles.role_id', '=', role)
    .where('people.active', '=', 1)
    .where('people.id', '!=', person)
    .orderBy('people.id')
    .execute();
  return holders.map((holder) => holder.id);
}

export async function requestApproval(
  trx: Transaction<DB>,
  context: ApprovalContext,
  input: {
    person: string;
    key: string;
    cabinet: string;
    reason: string | null;
    approver: string;
    session?: string;
  },
): Promise<{ approval: Approval; approvers: string[] }> {
  const now = context.now();
  const at = now.toISOString();
  const approvers = await eligibleApprovers(trx, input.person, input.approver);
  const row = {
    id: newId(now.getTime()),
    person_id: input.person,
    key_id: input.key,
    cabinet_id: input.cabinet,
    reason: input.reason,
    approver_rule: input.approver,
    status: 'pending' as const,
    requested_at: at,
    expires_at: new Date(now.getTime() + APPROVAL_TTL_MS).toISOString(),
    decided_at: null,
    decided_by: null,
    session_id: input.session ?? null,
    link_token_hash: null,
  };
  await trx.insertInto('approvals').values(row).execute();
  const data = {
    approval: row.id,
    approver: input.approver,
    approvers,
    reason: input.reason,
    expiresAt: row.expires_at,
  };
  await context.audit.append(trx, {
    type: 'approval.requested',
    at,
    actor: input.person,
    person: input.person,
    key: input.key,
    cabinet: input.cabinet,
    data,
  });
  await enqueueOutboxEvent(trx, {
    eventType: 'approval-requested',
    at,
    idempotencyKey: `approval-requested-${row.id}`,
    payload: { person: input.person, key: input.key, cabinet: input.cabinet, ...data },
  });
  return { approval: toApproval(row, now), approvers };
}

export async function getApproval(db: Kysely<DB>, id: string, now: Date): Promise<Approval> {
  const row = await findApprovalRow(db, id);
  if (!row) throw new KeywardenError('approval_not_found', `there is no approval request "${id}"`);
  return toApproval(row, now);
}

/** The approver approves or denies a pending, unexpired request they are eligible for. */
export async function decideApproval(
  trx: Transaction<DB>,
  context: ApprovalContext,
  input: { id: string; by: string; approve: boolean },
): Promise<Approval> {
  const now = context.now();
  const at = now.toISOString();
  const approval = await getApproval(trx, input.id, now);
  if (approval.status !== 'pending')
    throw new KeywardenError('approval_not_usable', `the request is ${approval.status}, not pending`);
  if (input.by === approval.person)
    throw new KeywardenError('approval_not_usable', 'nobody approves their own request');
  const eligible = await eligibleApprovers(trx, approval.person, approval.approver);
  if (!eligible.includes(input.by)) {
    throw new KeywardenError(
      'approval_not_usable',
      `${input.by} may not decide this request (it needs ${approval.approver === 'supervisor' ? "the person's supervisor" : `a ${approval.approver.slice(5)}`})`,
    );
  }
  const status = input.approve ? 'approved' : 'denied';
  const updated = await trx
    .updateTable('approvals')
    .set({ status, decided_at: at, decided_by: input.by })
    .where('id', '=', input.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1)
    throw new KeywardenError('approval_not_usable', 'the request was decided already');
  await context.audit.append(trx, {
    type: input.approve ? 'approval.approved' : 'approval.denied',
    at,
    actor: input.by,
    person: approval.person,
    key: approval.key,
    cabinet: approval.cabinet,
    data: { approval: input.id },
  });
  return { ...approval, status, decidedAt: at, decidedBy: input.by };
}

/** The approver of an approved, unexpired request for this person and key; throws when it cannot be used. */
export async function approverFor(
  trx: Transaction<DB>,
  context: ApprovalContext,
  input: { id: string; person: string; key: string },
): Promise<string> {
  const approval = await getApproval(trx, input.id, context.now());
  if (approval.person !== input.person || approval.key !== input.key) {
    throw new KeywardenError('approval_not_usable', 'this approval is for another person or key');
  }
  if (approval.status !== 'approved' || !approval.decidedBy) {
    throw new KeywardenError('approval_not_usable', `the approval request is ${approval.status}`);
  }
  if (context.now().toISOString() > approval.expiresAt) {
    throw new KeywardenError('approval_not_usable', 'the approval has expired: ask again');
  }
  return approval.decidedBy;
}

/** Marks an approval used by a checkout, once: a second use (two terminals at once) throws and rolls back. */
export async function markApprovalUsed(trx: Transaction<DB>, id: string): Promise<void> {
  const used = await trx
    .updateTable('approvals')
    .set({ status: 'used' })
    .where('id', '=', id)
    .where('status', '=', 'approved')
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1)
    throw new KeywardenError('approval_not_usable', 'the approval was used already');
}
