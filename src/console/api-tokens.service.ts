/**
 * API tokens for integrations (a reporting job, an HR sync): `Authorization: Bearer kwt_...` instead of a
 * console session. A token is 256 random bits, shown once; only its SHA-256 is stored (a secret that long
 * needs no slow hash, and a hash can be looked up). It carries console roles chosen by the admin who creates
 * it, works until it expires or is revoked, and acts in the audit log as `token:<id>`: the integration, not
 * the admin who made it, did the thing (the `console.api-token-created` entry links the two).
 *
 * Supervisor tokens are refused: a supervisor's reach is their team, which is a person's place in the
 * directory; a token is nobody's and has no team. Creation, revocation and the first use of each UTC day are
 * audited; last_used_at follows
 * use to the minute.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { CONSOLE_ROLES, type ConsoleRole, isConsoleRole } from '../domain/console/console-roles.js';
import { KeywardenError } from '../domain/errors.js';
import { newId } from '../store/ids.js';
import type { ApiTokenTable, DB } from '../store/schema.js';
import { sha256Hex } from './console-sessions.service.js';

export const API_TOKEN_PREFIX = 'kwt_';
/** Roles a token may carry: every console role but supervisor (see the file comment). */
export const TOKEN_ROLES = CONSOLE_ROLES.filter((role) => role !== 'supervisor');
const PREFIX_LENGTH = API_TOKEN_PREFIX.length + 8;
const MAX_LIVE_TOKENS = 100;

export interface ApiTokenContext {
  audit: AuditLog;
  now: () => Date;
}

/** A token as lists show it: never the token or its hash. */
export interface ApiToken {
  id: string;
  /** The token's first characters, e.g. `kwt_AbCd1234`. */
  prefix: string;
  name: string;
  roles: ConsoleRole[];
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** The actor id a token's requests are audited under. */
export function tokenActor(id: string): string {
  return `token:${id}`;
}

/**
 * Creates a token and returns it once, with its record. `by` must be an active admin (checked here too, so
 * the CLI cannot mint a token for someone who could not). Roles: a non-empty subset of TOKEN_ROLES.
 * @example const { token } = await createApiToken(trx, context, { name: 'hr-sync', roles: ['auditor'], by: 'p-okafor' })
 */
export async function createApiToken(
  trx: Transaction<DB>,
  context: ApiTokenContext,
  input: { name: string; roles: readonly string[]; expiresAt?: string | null; by: string },
): Promise<{ token: string; apiToken: ApiToken }> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) {
    throw new KeywardenError('invalid_request', 'a token needs a name of 1 to 100 characters');
  }
  const roles = [...new Set(input.roles)].sort();
  if (roles.length === 0) throw new KeywardenError('invalid_request', 'a token needs at least one role');
  for (const role of roles) {
    if (role === 'supervisor') {
      throw new KeywardenError(
        'invalid_request',
        'a token cannot be a supervisor: a supervisor sees their own team, and a token has none',
        { role },
      );
    }
    if (!isConsoleRole(role)) {
      throw new KeywardenError(
        'invalid_request',
        `"${role}" is not a console role (${TOKEN_ROLES.join(', ')})`,
        {
          role,
        },
      );
    }
  }
  const now = context.now();
  let expiresAt: string | null = null;
  if (input.expiresAt !== undefined && input.expiresAt !== null) {
    const time = Date.parse(input.expiresAt);
    if (Number.isNaN(time)) throw new KeywardenError('invalid_request', 'expiresAt is not an ISO 8601 time');
    if (time <= now.getTime()) throw new KeywardenError('invalid_request', 'expiresAt is in the past');
    expiresAt = new Date(time).toISOString();
  }
  const creator = await trx
    .selectFrom('people')
    .select(['id', 'active'])
    .where('id', '=', input.by)
    .executeTakeFirst();
  const creatorRoles = creator
    ? await trx.selectFrom('console_roles').select('role').where('person_id', '=', creator.id).execute()
    : [];
  if (creator?.active !== 1 || !creatorRoles.some((row) => row.role === 'admin')) {
    throw new KeywardenError(
      'forbidden',
      `only an active console admin may create API tokens ("${input.by}" is not)`,
    );
  }
  const live = await trx
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  if (Number(live.count) >= MAX_LIVE_TOKENS) {
    throw new KeywardenError(
      'invalid_request',
      `at most ${MAX_LIVE_TOKENS} live API tokens: revoke some first`,
    );
  }

  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const at = now.toISOString();
  const row: Selectable<ApiTokenTable> = {
    id: newId(now.getTime()),
    name,
    token_hash: sha256Hex(token),
    prefix: token.slice(0, PREFIX_LENGTH),
    roles: JSON.stringify(roles),
    created_by: input.by,
    created_at: at,
    expires_at: expiresAt,
    last_used_at: null,
    revoked_at: null,
    revoked_by: null,
  };
  await trx.insertInto('api_tokens').values(row).execute();
  await context.audit.append(trx, {
    type: 'console.api-token-created',
    at,
    actor: input.by,
    data: { token: row.id, prefix: row.prefix, name, roles, expiresAt },
  });
  return { token, apiToken: toApiToken(row) };
}

/** Every token, newest first; revoked ones only when asked. */
export async function listApiTokens(
  db: Kysely<DB>,
  options: { includeRevoked?: boolean } = {},
): Promise<ApiToken[]> {
  let query = db.selectFrom('api_tokens').selectAll();
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toApiToken);
}

/** Revokes a live token (audited); not_found when there is no live token with this id. */
export async function revokeApiToken(
  trx: Transaction<DB>,
  context: ApiTokenContext,
  input: { id: string; by: string },
): Promise<ApiToken> {
  const at = context.now().toISOString();
  const result = await trx
    .updateTable('api_tokens')
    .set({ revoked_at: at, revoked_by: input.by })
    .where('id', '=', input.id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new KeywardenError('not_found', `no live API token "${input.id}"`);
  }
  const row = await trx
    .selectFrom('api_tokens')
    .selectAll()
    .where('id', '=', input.id)
    .executeTakeFirstOrThrow();
  await context.audit.append(trx, {
    type: 'console.api-token-revoked',
    at,
    actor: input.by,
    data: { token: row.id, prefix: row.prefix, name: row.name },
  });
  return toApiToken(row);
}

/** Who a request with a valid token acts as. */
export interface TokenIdentity {
  id: string;
  name: string;
  roles: ConsoleRole[];
}

/**
 * The token a bearer value opens at `now`, its use recorded; console_unauthorized when it is not a token,
 * unknown, revoked or expired (all alike). The first use of each UTC day is audited
 * (`console.api-token-used`), decided by a conditional write so that concurrent requests audit it once.
 */
export async function acceptApiToken(
  db: Kysely<DB>,
  context: ApiTokenContext,
  token: string,
): Promise<TokenIdentity> {
  const refused = () =>
    new KeywardenError('console_unauthorized', 'the API token is unknown, revoked or expired');
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 100) throw refused();
  const row = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', sha256Hex(token))
    .executeTakeFirst();
  const now = context.now();
  if (!row || row.revoked_at !== null) throw refused();
  if (row.expires_at !== null && Date.parse(row.expires_at) <= now.getTime()) throw refused();
  const roles = (JSON.parse(row.roles) as string[]).filter(isConsoleRole);

  const at = now.toISOString();
  const dayStart = `${at.slice(0, 10)}T00:00:00.000Z`;
  // lastUsedAt is kept to the minute: a busy integration does not write on every request.
  const lastUsed = row.last_used_at;
  if (lastUsed !== null && lastUsed >= dayStart && now.getTime() - Date.parse(lastUsed) < 60_000) {
    return { id: row.id, name: row.name, roles };
  }
  await db.transaction().execute(async (trx) => {
    const first = await trx
      .updateTable('api_tokens')
      .set({ last_used_at: at })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', dayStart)]))
      .executeTakeFirst();
    if (Number(first.numUpdatedRows) === 1) {
      await context.audit.append(trx, {
        type: 'console.api-token-used',
        at,
        actor: tokenActor(row.id),
        data: { token: row.id, prefix: row.prefix, name: row.name, firstUseOfDay: true },
      });
      return;
    }
    await trx
      .updateTable('api_tokens')
      .set({ last_used_at: at })
      .where('id', '=', row.id)
      .where('last_used_at', '<', at)
      .execute();
  });
  return { id: row.id, name: row.name, roles };
}

function toApiToken(row: Selectable<ApiTokenTable>): ApiToken {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    roles: (JSON.parse(row.roles) as string[]).filter(isConsoleRole),
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}
