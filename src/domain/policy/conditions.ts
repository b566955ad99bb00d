/**
 * The conditions a rule sets (`factors`, `reason`, `approval`, `witness`, ...), merged in the order the
 * format states and turned into a form that decide() reads without parsing anything.
 */
import { parseDuration } from '../calendar/duration.js';
import {
  type ConditionsFile,
  FACTOR_KINDS,
  type FactorKind,
  type PolicyFile,
  type RuleFile,
} from './policy-file.js';

export type Approval = { kind: 'none' } | { kind: 'supervisor' } | { kind: 'role'; role: string };
export type WitnessRequirement = { kind: 'none' } | { kind: 'eligible' } | { kind: 'roles'; roles: string[] };

export interface Conditions {
  /** Distinct factor kinds needed. */
  factors: number;
  /** Kinds that count towards `factors`. */
  factorKinds: readonly FactorKind[];
  reasonRequired: boolean;
  /** Reasons allowed; null allows every reason. */
  reasons: ReadonlySet<string> | null;
  approval: Approval;
  witness: WitnessRequirement;
  maxDurationMs: number | null;
  maxKeysOut: number | null;
}

/**
 * Parses `none`, `supervisor` or `role:<id>`; returns a message when the text is none of them.
 * @example parseApproval('role:watch-commander') // { kind: 'role', role: 'watch-commander' }
 */
export function parseApproval(text: string | undefined): Approval | string {
  if (text === undefined || text === 'none') return { kind: 'none' };
  if (text === 'supervisor') return { kind: 'supervisor' };
  if (text.startsWith('role:') && text.length > 5) return { kind: 'role', role: text.slice(5) };
  return `"${text}" is not an approval: use none, supervisor or role:<role id>`;
}

/**
 * Layers condition blocks: each later block overrides the fields it sets.
 * @example mergeConditions({ factors: 1, maxDuration: '12h' }, { factors: 2 }) // { factors: 2, maxDuration: '12h' }
 */
export function mergeConditions(...layers: (ConditionsFile | undefined)[]): ConditionsFile {
  const merged: ConditionsFile = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [field, value] of Object.entries(layer)) {
      if (value !== undefined) (merged as Record<string, unknown>)[field] = value;
    }
  }
  return merged;
}

/** The raw effective conditions of a rule at a business-hours or after-hours instant. */
export function effectiveConditionsFile(
  policy: PolicyFile,
  rule: RuleFile,
  afterHours: boolean,
): ConditionsFile {
  return afterHours
    ? mergeConditions(rule.require, policy.defaults.afterHours, rule.afterHours)
    : mergeConditions(rule.require);
}

/** Applies the format's defaults for missing fields (factors 1, reason optional, no approval, no witness). */
export function normalizeConditions(file: ConditionsFile): Conditions {
  const approval = parseApproval(file.approval);
  const witness: WitnessRequirement =
    file.witness === undefined || file.witness === false
      ? { kind: 'none' }
      : file.witness === true
        ? { kind: 'eligible' }
        : { kind: 'roles', roles: file.witness.roles };
  return {
    factors: file.factors ?? 1,
    factorKinds: file.factorKinds ? [...new Set(file.factorKinds)] : FACTOR_KINDS,
    reasonRequired: file.reason === 'required',
    reasons: file.reasons ? new Set(file.reasons) : null,
    approval: typeof approval === 'string' ? { kind: 'none' } : approval,
    witness,
    maxDurationMs: file.maxDuration ? parseDuration(file.maxDuration) : null,
    maxKeysOut: file.maxKeysOut ?? null,
  };
}

/** The effective, normalized conditions of a rule at a business-hours or after-hours instant. */
export function effectiveConditions(policy: PolicyFile, rule: RuleFile, afterHours: boolean): Conditions {
  return normalizeConditions(effectiveConditionsFile(policy, rule, afterHours));
}
