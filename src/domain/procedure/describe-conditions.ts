/** A rule's effective conditions as the sentences a person at the cabinet needs. */
import { describeDuration } from '../calendar/duration.js';
import type { Approval, Conditions, WitnessRequirement } from '../policy/conditions.js';
import { FACTOR_KINDS, type FactorKind } from '../policy/policy-file.js';
import type { NameBook } from './name-book.js';
import { countOf, listOr, withArticle } from './words.js';

const FACTOR_NAMES: Record<FactorKind, string> = {
  pin: 'PIN',
  badge: 'badge',
  fingerprint: 'fingerprint',
  totp: 'authenticator code',
};

/**
 * How many factors, and of which kinds, in words.
 * @example describeFactors({ factors: 2, factorKinds: ['pin', 'badge', 'fingerprint', 'totp'] }) // '2 of: PIN, badge, fingerprint, authenticator code'
 */
export function describeFactors(conditions: Pick<Conditions, 'factors' | 'factorKinds'>): string {
  // Keep the format's order (PIN, badge, fingerprint, code) whatever order the file lists them in.
  const kinds = FACTOR_KINDS.filter((kind) => conditions.factorKinds.includes(kind)).map(
    (kind) => FACTOR_NAMES[kind],
  );
  if (kinds.length === 1) return kinds[0] ?? '';
  if (conditions.factors >= kinds.length) return `all of: ${kinds.join(', ')}`;
  return `${conditions.factors} of: ${kinds.join(', ')}`;
}

/**
 * The reasons a rule accepts, by label; null when it accepts every reason.
 * @example describeReasons(book, new Set(['emergency-repair'])) // '“Emergency repair”'
 */
export function describeReasons(book: NameBook, reasons: ReadonlySet<string> | null): string | null {
  // Quoted, because labels often contain "or" themselves ("Fresh patrol vehicle or vehicle swap").
  return reasons ? listOr([...reasons].map((id) => `“${book.reasonLabel(id)}”`)) : null;
}

/**
 * Who must approve, or null when no approval is needed.
 * @example describeApproval(book, { kind: 'supervisor' }) // "the person's supervisor"
 */
export function describeApproval(book: NameBook, approval: Approval): string | null {
  if (approval.kind === 'none') return null;
  if (approval.kind === 'supervisor') return "the person's supervisor";
  return withArticle(book.roleName(approval.role));
}

/**
 * Who may witness, or null when no witness is needed. A witness is never the person taking the key.
 * @example describeWitness(book, { kind: 'roles', roles: ['sergeant'] }) // 'a second person who is a Sergeant'
 */
export function describeWitness(book: NameBook, witness: WitnessRequirement): string | null {
  if (witness.kind === 'none') return null;
  if (witness.kind === 'eligible') return 'a second person who may take this key';
  return `a second person who is ${listOr(witness.roles.map((role) => withArticle(book.roleName(role))))}`;
}

/**
 * The return limit in words.
 * @example describeReturn(43_200_000) // 'within 12 hours'
 */
export function describeReturn(maxDurationMs: number | null): string {
  return maxDurationMs === null ? 'no time limit' : `within ${describeDuration(maxDurationMs)}`;
}

/**
 * Every condition as one list item each, in the order a person meets them at the cabinet.
 * @example describeConditions(book, conditions)[0] // 'Prove who you are with 2 of: PIN, badge, fingerprint, authenticator code.'
 */
export function describeConditions(book: NameBook, conditions: Conditions): string[] {
  const lines = [`Prove who you are with ${describeFactors(conditions)}.`];
  const reasons = describeReasons(book, conditions.reasons);
  if (conditions.reasonRequired)
    lines.push(
      reasons
        ? `A reason is required: ${reasons}.`
        : 'A reason is required: any of the situations listed in this procedure.',
    );
  else if (reasons) lines.push(`A reason may be given; only these are accepted: ${reasons}.`);
  else lines.push('No reason is required.');
  const approver = describeApproval(book, conditions.approval);
  lines.push(
    approver ? `Approval by ${approver} is needed before the key is released.` : 'No approval is needed.',
  );
  const witness = describeWitness(book, conditions.witness);
  lines.push(
    witness ? `A witness is needed: ${witness} signs in at the cabinet as witness.` : 'No witness is needed.',
  );
  lines.push(
    conditions.maxDurationMs === null
      ? 'There is no time limit for returning the key.'
      : `The key must be returned ${describeReturn(conditions.maxDurationMs)}.`,
  );
  if (conditions.maxKeysOut !== null)
    lines.push(
      `A person may hold at most ${countOf(conditions.maxKeysOut, 'key')} under this rule at once, this one included.`,
    );
  return lines;
}
