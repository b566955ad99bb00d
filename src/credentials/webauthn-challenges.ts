/**
 * WebAuthn challenges (table webauthn_challenges), shared by cabinet fingerprints and console passkeys: each
 * is issued for one person and purpose (and session, when bound to one), lives two minutes and works once.
 * Answered and expired ones are kept a day so that a replay is told apart from a forgery, then pruned.
 */
import type { Kysely, Transaction } from 'kysely';
import { newId } from '../store/ids.js';
import type { DB, WebauthnChallengeTable } from '../store/schema.js';

/** How long a challenge may be answered. */
export const CHALLENGE_TTL_MS = 2 * 60_000;
/** Answered or expired challenges are kept this long (to tell a replay from a forgery), then pruned. */
const CHALLENGE_RETENTION_MS = 24 * 60 * 60_000;

export type ChallengePurpose = WebauthnChallengeTable['purpose'];

/** Why a challenge cannot be claimed. */
export type ChallengeRefusal = 'unknown_challenge' | 'replayed_challenge' | 'challenge_expired';

/** Whom a challenge is issued to: a person (or a person id as typed), a purpose, and a session or none. */
export interface ChallengeBinding {
  person: string;
  purpose: ChallengePurpose;
  /** The session the challenge is bound to; none (null or undefined) matches only unbound challenges. */
  sessionId: string | null | undefined;
}

/**
 * Stores a new challenge after pruning the person's day-old ones: of every purpose, or of this purpose
 * only (`pruneEveryPurpose` false; console passkeys prune their own).
 */
export async function storeChallenge(
  db: Kysely<DB>,
  context: { now: () => Date },
  binding: ChallengeBinding,
  challenge: string,
  options: { pruneEveryPurpose: boolean },
): Promise<void> {
  const now = context.now();
  let prune = db
    .deleteFrom('webauthn_challenges')
    .where('person_id', '=', binding.person)
    .where('expires_at', '<', new Date(now.getTime() - CHALLENGE_RETENTION_MS).toISOString());
  if (!options.pruneEveryPurpose) prune = prune.where('purpose', '=', binding.purpose);
  await prune.execute();
  await db
    .insertInto('webauthn_challenges')
    .values({
      id: newId(now.getTime()),
      person_id: binding.person,
      session_id: binding.sessionId ?? null,
      purpose: binding.purpose,
      challenge,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + CHALLENGE_TTL_MS).toISOString(),
      used_at: null,
    })
    .execute();
}

/** Marks the challenge answered (once, with a conditional write) or says why it cannot be. */
export async function claimChallenge(
  trx: Transaction<DB>,
  context: { now: () => Date },
  binding: ChallengeBinding,
  challenge: string,
): Promise<'claimed' | ChallengeRefusal> {
  let query = trx
    .selectFrom('webauthn_challenges')
    .select(['id', 'expires_at', 'used_at'])
    .where('person_id', '=', binding.person)
    .where('purpose', '=', binding.purpose)
    .where('challenge', '=', challenge);
  query = binding.sessionId
    ? query.where('session_id', '=', binding.sessionId)
    : query.where('session_id', 'is', null);
  const row = await query.executeTakeFirst();
  if (!row) return 'unknown_challenge';
  if (row.used_at !== null) return 'replayed_challenge';
  const at = context.now().toISOString();
  const updated = await trx
    .updateTable('webauthn_challenges')
    .set({ used_at: at })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return 'replayed_challenge';
  return row.expires_at <= at ? 'challenge_expired' : 'claimed';
}

/** Marks every open (unanswered, unexpired) challenge of the binding answered, so none of them works any more. */
export async function consumeOpenChallenges(
  trx: Transaction<DB>,
  at: string,
  binding: ChallengeBinding,
): Promise<void> {
  let update = trx
    .updateTable('webauthn_challenges')
    .set({ used_at: at })
    .where('person_id', '=', binding.person)
    .where('purpose', '=', binding.purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at);
  update = binding.sessionId
    ? update.where('session_id', '=', binding.sessionId)
    : update.where('session_id', 'is', null);
  await update.execute();
}

/** Why a challenge was refused, in words; `unknown` says what the challenge should have been issued for. */
export function describeChallengeRefusal(reason: ChallengeRefusal, unknown: string): string {
  switch (reason) {
    case 'unknown_challenge':
      return unknown;
    case 'replayed_challenge':
      return 'the challenge was answered before';
    case 'challenge_expired':
      return 'the challenge expired: start again';
  }
}
