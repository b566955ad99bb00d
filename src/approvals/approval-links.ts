/**
 * One-time approval links: each eligible approver of a request gets a link of their own,
 * `${publicUrl}/approve/<token>`, that the notification messages carry. The database keeps only the token's
 * SHA-256 (a copy of it opens nothing); a link expires with its request and works once. The link is not a
 * credential on its own: deciding through it needs the approver's password and authenticator code, checked
 * exactly as the console sign-in checks them (src/approvals/approval-link-decision.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../store/schema.js';

const TOKEN_PREFIX = 'kwa_';

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether text has the shape of a link token (checked before hashing anything a stranger sends). */
export function looksLikeLinkToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && token.length <= 100 && /^[\w-]+$/.test(token);
}

/**
 * Creates one link per approver for a request; returns approver -> full URL. The URLs exist only in what this
 * returns (the caller puts them in the outbox payload for the messages); the table keeps their hashes.
 */
export async function createApprovalLinks(
  trx: Transaction<DB>,
  input: { approval: string; approvers: readonly string[]; at: string; expiresAt: string; publicUrl: string },
): Promise<Record<string, string>> {
  const links: Record<string, string> = {};
  for (const person of input.approvers) {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    await trx
      .insertInto('approval_links')
      .values({
        token_hash: hashLinkToken(token),
        approval_id: input.approval,
        person_id: person,
        created_at: input.at,
        expires_at: input.expiresAt,
        used_at: null,
      })
      .execute();
    links[person] = `${input.publicUrl.replace(/\/$/, '')}/approve/${token}`;
  }
  return links;
}

export interface ApprovalLink {
  approval: string;
  person: string;
  expiresAt: string;
  usedAt: string | null;
}

/** The link a token opens, used or not, or null (unknown or malformed token). */
export async function findApprovalLink(db: Kysely<DB>, token: string): Promise<ApprovalLink | null> {
  if (!looksLikeLinkToken(token)) return null;
  const row = await db
    .selectFrom('approval_links')
    .selectAll()
    .where('token_hash', '=', hashLinkToken(token))
    .executeTakeFirst();
  if (!row) return null;
  return { approval: row.approval_id, person: row.person_id, expiresAt: row.expires_at, usedAt: row.used_at };
}

/** Marks a link used, once: false when it was used already (a second submit, two tabs at once). */
export async function spendApprovalLink(trx: Transaction<DB>, token: string, at: string): Promise<boolean> {
  const result = await trx
    .updateTable('approval_links')
    .set({ used_at: at })
    .where('token_hash', '=', hashLinkToken(token))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
