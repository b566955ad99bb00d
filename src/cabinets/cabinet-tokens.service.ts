/**
 * Cabinet tokens: how a cabinet's terminal proves which cabinet it is. A token is 256 random bits shown
 * once; only its SHA-256 is stored (a secret that long needs no slow hash, and a hash can be looked up).
 * Issuing and revoking are audited.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit-log.js';
import { KeywardenError } from '../domain/errors.js';
import { newId } from '../store/ids.js';
import type { DB } from '../store/schema.js';

const TOKEN_PREFIX = 'kwc_';

export interface CabinetTokenContext {
  audit: AuditLog;
  now: () => Date;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Issues a new token for a cabinet; the token itself is returned once and never stored. */
export async function issueCabinetToken(
  trx: Transaction<DB>,
  context: CabinetTokenContext,
  input: { cabinet: string; by: string },
): Promise<{ id: string; token: string }> {
  const cabinet = await trx
    .selectFrom('cabinets')
    .select('id')
    .where('id', '=', input.cabinet)
    .executeTakeFirst();
  if (!cabinet) throw new KeywardenError('unknown_cabinet', `unknown cabinet "${input.cabinet}"`);
  const at = context.now().toISOString();
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const id = newId();
  await trx
    .insertInto('cabinet_tokens')
    .values({
      id,
      cabinet_id: cabinet.id,
      token_hash: hashToken(token),
      created_at: at,
      created_by: input.by,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  await context.audit.append(trx, {
    type: 'cabinet.token-issued',
    at,
    actor: input.by,
    cabinet: cabinet.id,
    data: { tokenId: id },
  });
  return { id, token };
}

/** Revokes every live token of a cabinet; returns how many. */
export async function revokeCabinetTokens(
  trx: Transaction<DB>,
  context: CabinetTokenContext,
  input: { cabinet: string; by: string },
): Promise<number> {
  const at = context.now().toISOString();
  const result = await trx
    .updateTable('cabinet_tokens')
    .set({ revoked_at: at })
    .where('cabinet_id', '=', input.cabinet)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  const count = Number(result.numUpdatedRows);
  await context.audit.append(trx, {
    type: 'cabinet.tokens-revoked',
    at,
    actor: input.by,
    cabinet: input.cabinet,
    data: { count },
  });
  return count;
}

/** The cabinet a bearer token belongs to, or null for an unknown or revoked token. */
export async function cabinetOfToken(db: Kysely<DB>, token: string, now: Date): Promise<string | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const hash = hashToken(token);
  const row = await db
    .selectFrom('cabinet_tokens')
    .select(['id', 'cabinet_id', 'last_used_at'])
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  // Last use is informative; writing it at most once a minute keeps every request from being a write.
  const at = now.toISOString();
  if (!row.last_used_at || Date.parse(at) - Date.parse(row.last_used_at) > 60_000) {
    await db.updateTable('cabinet_tokens').set({ last_used_at: at }).where('id', '=', row.id).execute();
  }
  return row.cabinet_id;
}
