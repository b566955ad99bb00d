/**
 * Approval requests: a rule needs the supervisor's or a role's approval; the terminal asks, the approver
 * decides (console, one-time link, or the CLI), the checkout uses the approval once. Requests
 * expire after 10 minutes. Every step is audited and the request is announced through the outbox.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import { enqueueOutboxEvent } from '../notifications/outbox.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';
import { createApprovalLinks } from './approval-links.js';

export const APPROVAL_TTL_MS = 10 * 60_000;

export interface ApprovalContext {
  audit: AuditLog;
  now: () => Date;
  /** Where people reach this server: the base of the one-time approval links (src/app/public-url.ts). */
  publicUrl: string;
}

/** Statuses after which nothing changes any more (`approved` still becomes `used` at the checkout). */
export const FINAL_STATUSES: ReadonlySet<Approval['status']> = new Set([
  'approved',
  'denied',
  'expired',
  'used',
]);

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

type ApprovalRow = NonNullable<Awaited<ReturnType<typeof findApprovalRow>>>;

function findApprovalRow(db: Kysely<DB>, id: string) {
  return db.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

function toApproval(row: ApprovalRow, now: Date): Approval {
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
  // One link per approver, for the messages only: never in the audit entry above.
  const links = await createApprovalLinks(trx, {
    approval: row.id,
    approvers,
    at,
    expiresAt: row.expires_at,
    publicUrl: context.publicUrl,
  });
  await enqueueOutboxEvent(trx, {
    eventType: 'approval-requested',
    at,
    idempotencyKey: `approval-requested-${row.id}`,
    payload: { person: input.person, key: input.key, cabinet: input.cabinet, ...data, links },
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
  context: Pick<ApprovalContext, 'audit' | 'now'>,
  input: {
    id: string;
    by: string;
    approve: boolean;
    /** Where the decision was taken, for the audit entry: the console, a one-time link, the CLI. */
    via?: 'console' | 'link' | 'cli';
    note?: string | null;
  },
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
    data: {
      approval: input.id,
      ...(input.via ? { via: input.via } : {}),
      ...(input.note ? { note: input.note } : {}),
    },
  });
  return { ...approval, status, decidedAt: at, decidedBy: input.by };
}

/** The approver of an approved, unexpired request for this person and key; throws when it cannot be used. */
export async function approverFor(
  trx: Transaction<DB>,
  context: Pick<ApprovalContext, 'audit' | 'now'>,
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

export type ApprovalStatus = Approval['status'];

/**
 * A page of requests, newest first. `expired` is not stored when a request runs out (nothing runs then):
 * it is a pending row past its expiry, and the filters say so.
 */
export async function listApprovals(
  db: Kysely<DB>,
  now: Date,
  filter: {
    status?: ApprovalStatus;
    /** Only requests of these people (a supervisor's team); undefined: everyone. */
    people?: readonly string[];
    limit: number;
    /** The (requested_at, id) of the last row of the previous page. */
    after?: readonly [string, string] | null;
  },
): Promise<{ approvals: Approval[]; nextKey: [string, string] | null }> {
  const at = now.toISOString();
  if (filter.people && filter.people.length === 0) return { approvals: [], nextKey: null };
  let query = db.selectFrom('approvals').selectAll();
  if (filter.people) query = query.where('person_id', 'in', [...filter.people]);
  const status = filter.status;
  if (status === 'pending') query = query.where('status', '=', 'pending').where('expires_at', '>=', at);
  else if (status === 'expired')
    query = query.where((eb) =>
      eb.or([
        eb('status', '=', 'expired'),
        eb.and([eb('status', '=', 'pending'), eb('expires_at', '<', at)]),
      ]),
    );
  else if (status) query = query.where('status', '=', status);
  if (filter.after) {
    const [requestedAt, id] = filter.after;
    query = query.where((eb) =>
      eb.or([
        eb('requested_at', '<', requestedAt),
        eb.and([eb('requested_at', '=', requestedAt), eb('id', '<', id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('requested_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    approvals: page.map((row) => toApproval(row, now)),
    nextKey: rows.length > filter.limit && last ? [last.requested_at, last.id] : null,
  };
}

/** What a person deciding needs to see beside the ids: names, labels, the site and its time zone. */
export interface ApprovalDescription {
  personName: string;
  keyLabel: string;
  cabinetName: string;
  siteName: string;
  /** IANA zone of the cabinet's site: local times are shown in it. */
  timezone: string;
  /** The reason's label in the active policy, or null when no reason was given. */
  reasonLabel: string | null;
}

export async function describeApproval(db: Kysely<DB>, approval: Approval): Promise<ApprovalDescription> {
  const row = await db
    .selectFrom('cabinets')
    .innerJoin('sites', 'sites.id', 'cabinets.site_id')
    .select(['cabinets.name as cabinetName', 'sites.name as siteName', 'sites.timezone'])
    .where('cabinets.id', '=', approval.cabinet)
    .executeTakeFirst();
  const person = await db
    .selectFrom('people')
    .select('name')
    .where('id', '=', approval.person)
    .executeTakeFirst();
  const key = await db.selectFrom('keys').select('label').where('id', '=', approval.key).executeTakeFirst();
  let reasonLabel: string | null = null;
  if (approval.reason) {
    // Reasons are policy, not directory: their labels live in the active version's document.
    const active = await db
      .selectFrom('policy_versions')
      .select('document')
      .where('status', '=', 'active')
      .executeTakeFirst();
    const reasons = active
      ? ((JSON.parse(active.document) as { reasons?: { id: string; label: string }[] }).reasons ?? [])
      : [];
    reasonLabel = reasons.find((reason) => reason.id === approval.reason)?.label ?? approval.reason;
  }
  return {
    personName: person?.name ?? approval.person,
    keyLabel: key?.label ?? approval.key,
    cabinetName: row?.cabinetName ?? approval.cabinet,
    siteName: row?.siteName ?? '',
    timezone: row?.timezone ?? 'UTC',
    reasonLabel,
  };
}
