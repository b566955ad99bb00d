/**
 * Policy versions: an imported file becomes a draft (and fills the directory and inventory); a second
 * person approves it, which makes it the one active version; every version is kept. Functions take the
 * caller's transaction: the audit entry and the outbox row are written with the change they describe.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { importDirectory } from '../directory/import-directory.js';
import { KeywardenError } from '../domain/errors.js';
import { parsePolicyText } from '../domain/policy/parse-policy.js';
import type { PolicyFile } from '../domain/policy/policy-file.js';
import { formatProblem, type PolicyProblem } from '../domain/policy/problems.js';
import { enqueueOutboxEvent } from '../notifications/outbox.js';
import type { DB, PolicyVersionRow } from '../store/schema.js';

export interface PolicyVersionSummary {
  version: number;
  name: string;
  status: PolicyVersionRow['status'];
  sha256: string;
  createdBy: string;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
}

export interface PolicyServiceContext {
  audit: AuditLog;
  now: () => Date;
}

function summarize(row: PolicyVersionRow): PolicyVersionSummary {
  return {
    version: row.version,
    name: row.name,
    status: row.status,
    sha256: row.sha256,
    createdBy: row.created_by,
    createdAt: row.created_at,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
  };
}

async function requireActivePerson(trx: Transaction<DB>, id: string, what: string): Promise<void> {
  const person = await trx
    .selectFrom('people')
    .select(['id', 'active'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!person) throw new KeywardenError('unknown_person', `${what} "${id}" is not in the directory`);
  if (person.active !== 1) throw new KeywardenError('person_inactive', `${what} "${id}" is inactive`);
}

/**
 * Stores a policy file as a new draft version and fills the directory and inventory from it.
 * Throws policy_invalid with every problem when the file has errors.
 */
export async function importPolicyVersion(
  trx: Transaction<DB>,
  context: PolicyServiceContext,
  input: { source: string; by: string },
): Promise<{
  version: PolicyVersionSummary;
  warnings: PolicyProblem[];
  directory: { created: number; updated: number };
}> {
  const parsed = parsePolicyText(input.source);
  if (!parsed.policy) {
    throw new KeywardenError(
      'policy_invalid',
      `the policy has ${parsed.problems.filter((p) => p.severity === 'error').length} errors:\n${parsed.problems.map((p) => formatProblem(p)).join('\n')}`,
      { problems: parsed.problems },
    );
  }
  const policy = parsed.policy;
  const at = context.now().toISOString();
  // The author may be new in this very file (the first import of an organisation).
  const authorInFile = policy.people.find((person) => person.id === input.by);
  if (authorInFile?.active === false)
    throw new KeywardenError('person_inactive', `author "${input.by}" is inactive`);
  if (!authorInFile) await requireActivePerson(trx, input.by, 'author');

  const directory = await importDirectory(trx, policy, { audit: context.audit, actor: input.by, at });
  const last = await trx
    .selectFrom('policy_versions')
    .select((eb) => eb.fn.max('version').as('max'))
    .executeTakeFirst();
  const version = Number(last?.max ?? 0) + 1;
  const sha256 = createHash('sha256').update(input.source).digest('hex');
  const row = {
    version,
    name: policy.policy.name,
    source: input.source,
    document: JSON.stringify(policy),
    sha256,
    status: 'draft' as const,
    created_by: input.by,
    created_at: at,
    approved_by: null,
    approved_at: null,
  };
  await trx.insertInto('policy_versions').values(row).execute();
  await context.audit.append(trx, {
    type: 'policy.imported',
    at,
    actor: input.by,
    policyVersion: version,
    data: { version, name: row.name, sha256, warnings: parsed.problems.length, directory },
  });
  await enqueueOutboxEvent(trx, {
    eventType: 'policy-changed',
    at,
    idempotencyKey: `policy-imported-${version}-${sha256.slice(0, 16)}`,
    payload: { action: 'imported', version, name: row.name, by: input.by },
  });
  return { version: summarize(row), warnings: parsed.problems, directory };
}

/** Makes a draft the active version; the approver must be an active person other than its author. */
export async function approvePolicyVersion(
  trx: Transaction<DB>,
  context: PolicyServiceContext,
  input: { version: number; by: string },
): Promise<PolicyVersionSummary> {
  const row = await trx
    .selectFrom('policy_versions')
    .selectAll()
    .where('version', '=', input.version)
    .executeTakeFirst();
  if (!row) throw new KeywardenError('not_found', `there is no policy version ${input.version}`);
  if (row.status !== 'draft') {
    throw new KeywardenError(
      'policy_not_draft',
      `policy version ${input.version} is ${row.status}, not a draft`,
    );
  }
  if (row.created_by === input.by) {
    throw new KeywardenError(
      'same_author',
      `${input.by} wrote version ${input.version}: a second person must approve it`,
    );
  }
  await requireActivePerson(trx, input.by, 'approver');
  const at = context.now().toISOString();
  const previous = await trx
    .selectFrom('policy_versions')
    .select('version')
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (previous)
    await trx
      .updateTable('policy_versions')
      .set({ status: 'superseded' })
      .where('version', '=', previous.version)
      .execute();
  await trx
    .updateTable('policy_versions')
    .set({ status: 'active', approved_by: input.by, approved_at: at })
    .where('version', '=', input.version)
    .execute();
  await context.audit.append(trx, {
    type: 'policy.approved',
    at,
    actor: input.by,
    policyVersion: input.version,
    data: {
      version: input.version,
      author: row.created_by,
      supersedes: previous?.version ?? null,
      sha256: row.sha256,
    },
  });
  await enqueueOutboxEvent(trx, {
    eventType: 'policy-changed',
    at,
    idempotencyKey: `policy-approved-${input.version}`,
    payload: {
      action: 'approved',
      version: input.version,
      name: row.name,
      by: input.by,
      author: row.created_by,
    },
  });
  return summarize({ ...row, status: 'active', approved_by: input.by, approved_at: at });
}

export async function listPolicyVersions(db: Kysely<DB>): Promise<PolicyVersionSummary[]> {
  const rows = await db.selectFrom('policy_versions').selectAll().orderBy('version', 'desc').execute();
  return rows.map(summarize);
}

/** One version's summary, source text and policy document. */
export async function getPolicyVersion(
  db: Kysely<DB>,
  version: number,
): Promise<{ summary: PolicyVersionSummary; source: string; policy: PolicyFile }> {
  const row = await db
    .selectFrom('policy_versions')
    .selectAll()
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw new KeywardenError('not_found', `there is no policy version ${version}`);
  return { summary: summarize(row), source: row.source, policy: JSON.parse(row.document) as PolicyFile };
}
