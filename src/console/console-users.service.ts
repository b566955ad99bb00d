/**
 * Console users: people who hold a console role (admin, key-manager, supervisor, auditor), their password,
 * and the bootstrap of the first admin. Every change is audited in the caller's transaction, never with a
 * password or a hash.
 */
import type { Transaction } from 'kysely';
import { findLiveCredentials, replaceLiveCredential } from '../credentials/credentials.queries.js';
import { type CredentialContext, enrolTotp } from '../credentials/credentials.service.js';
import { CONSOLE_ROLES, type ConsoleRole, isConsoleRole } from '../domain/console/console-roles.js';
import { checkPassword } from '../domain/console/password-rules.js';
import { KeywardenError } from '../domain/errors.js';
import type { DB } from '../store/schema.js';
import { consoleRolesOf, endAllSessionsOf } from './console-sessions.service.js';
import { hashPassword } from './password-hash.js';

export interface ActorOption {
  by?: string;
}

async function requirePerson(
  trx: Transaction<DB>,
  person: string,
): Promise<{ id: string; name: string; email: string | null; active: number }> {
  const row = await trx
    .selectFrom('people')
    .select(['id', 'name', 'email', 'active'])
    .where('id', '=', person)
    .executeTakeFirst();
  if (!row) throw new KeywardenError('unknown_person', `person "${person}" is not in the directory`);
  return row;
}

function requireRole(role: string): ConsoleRole {
  if (!isConsoleRole(role)) {
    throw new KeywardenError(
      'invalid_request',
      `a console role is one of ${CONSOLE_ROLES.join(', ')}, not "${role}"`,
    );
  }
  return role;
}

/**
 * Gives a person a console role; nothing changes (and nothing is audited) when they hold it already.
 * @example await grantConsoleRole(trx, context, 'p-chen', 'supervisor', { by: 'p-okafor' }) // { changed: true }
 */
export async function grantConsoleRole(
  trx: Transaction<DB>,
  context: Pick<CredentialContext, 'audit' | 'now'>,
  person: string,
  role: string,
  options: ActorOption = {},
): Promise<{ changed: boolean; roles: ConsoleRole[] }> {
  const wanted = requireRole(role);
  await requirePerson(trx, person);
  const result = await trx
    .insertInto('console_roles')
    .values({ person_id: person, role: wanted })
    .onConflict((conflict) => conflict.columns(['person_id', 'role']).doNothing())
    .executeTakeFirst();
  const changed = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  if (changed) {
    await context.audit.append(trx, {
      type: 'console.role-granted',
      at: context.now().toISOString(),
      actor: options.by ?? 'cli',
      person,
      data: { role: wanted },
    });
  }
  return { changed, roles: await consoleRolesOf(trx, person) };
}

/**
 * Takes a console role away; not_found when the person does not hold it. Losing the last role ends every
 * session of the person at once.
 */
export async function revokeConsoleRole(
  trx: Transaction<DB>,
  context: Pick<CredentialContext, 'audit' | 'now'>,
  person: string,
  role: string,
  options: ActorOption = {},
): Promise<{ roles: ConsoleRole[]; sessionsEnded: number }> {
  const wanted = requireRole(role);
  await requirePerson(trx, person);
  const result = await trx
    .deleteFrom('console_roles')
    .where('person_id', '=', person)
    .where('role', '=', wanted)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) {
    throw new KeywardenError('not_found', `${person} does not hold the console role ${wanted}`);
  }
  await context.audit.append(trx, {
    type: 'console.role-revoked',
    at: context.now().toISOString(),
    actor: options.by ?? 'cli',
    person,
    data: { role: wanted },
  });
  const roles = await consoleRolesOf(trx, person);
  const sessionsEnded =
    roles.length === 0 ? await endAllSessionsOf(trx, context, person, 'console-role-revoked', options) : 0;
  return { roles, sessionsEnded };
}

/**
 * Sets a person's console password (refused with password_refused when the rules say so), replacing any
 * earlier one, and ends their sessions. Stored only as an argon2id hash; audited without it.
 * @example await setPassword(trx, context, 'p-okafor', 'violet kettle under 9 ferns', { by: 'p-okafor' })
 */
export async function setPassword(
  trx: Transaction<DB>,
  context: Pick<CredentialContext, 'audit' | 'now'>,
  person: string,
  password: string,
  options: ActorOption = {},
): Promise<{ credentialId: string; sessionsEnded: number }> {
  const row = await requirePerson(trx, person);
  const problem = checkPassword(password, { personId: row.id, name: row.name, email: row.email });
  if (problem) throw new KeywardenError('password_refused', `password refused: ${problem}`);
  const at = context.now().toISOString();
  const { id, replaced } = await replaceLiveCredential(trx, person, 'password', at, async () => ({
    secret: await hashPassword(password),
    data: null,
  }));
  await context.audit.append(trx, {
    type: 'credential.password-set',
    at,
    actor: options.by ?? 'cli',
    person,
    data: { credential: id, replaced: replaced > 0 },
  });
  const sessionsEnded = await endAllSessionsOf(trx, context, person, 'password-changed', options);
  return { credentialId: id, sessionsEnded };
}

/**
 * Bootstraps the first console admin: the admin role, a password, and an authenticator (enrolled now
 * unless the person already has one, which then serves the console too). Refused with admin_exists once
 * any admin exists: later ones are granted by `keywarden console grant`.
 * @example const { totpUri } = await createAdmin(trx, context, 'p-okafor', 'violet kettle under 9 ferns')
 */
export async function createAdmin(
  trx: Transaction<DB>,
  context: CredentialContext,
  person: string,
  password: string,
  options: ActorOption = {},
): Promise<{ totpUri: string | null; totpSecret: string | null }> {
  await requirePerson(trx, person);
  const existing = await trx
    .selectFrom('console_roles')
    .select('person_id')
    .where('role', '=', 'admin')
    .executeTakeFirst();
  if (existing) {
    throw new KeywardenError(
      'admin_exists',
      `a console admin exists already (${existing.person_id}): grant roles with "keywarden console grant"`,
    );
  }
  const by = options.by ?? 'cli';
  await setPassword(trx, context, person, password, { by });
  await grantConsoleRole(trx, context, person, 'admin', { by });
  if ((await findLiveCredentials(trx, person, 'totp')).length > 0) return { totpUri: null, totpSecret: null };
  const enrolled = await enrolTotp(trx, context, person, { by });
  return { totpUri: enrolled.uri, totpSecret: enrolled.secret };
}
