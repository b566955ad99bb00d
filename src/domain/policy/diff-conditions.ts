/**
 * Condition blocks (`require`, `afterHours`, `defaults.afterHours`) compared field by field: what the
 * change says in words, and whether it weakens control (fewer factors, no approval, longer loans, ...).
 */
import { parseDuration } from '../calendar/duration.js';
import { asSet, describeDelta, listDelta, sameValue } from './diff-model.js';
import type { DiffNames } from './diff-names.js';
import { type ConditionsFile, FACTOR_KINDS } from './policy-file.js';

export type ConditionField = keyof ConditionsFile;
export const CONDITION_FIELDS: readonly ConditionField[] = [
  'factors',
  'factorKinds',
  'reason',
  'reasons',
  'approval',
  'witness',
  'maxDuration',
  'maxKeysOut',
];

const LABELS: Record<ConditionField, string> = {
  factors: 'factors',
  factorKinds: 'factor kinds',
  reason: 'reason',
  reasons: 'reasons',
  approval: 'approval',
  witness: 'witness',
  maxDuration: 'max duration',
  maxKeysOut: 'max keys out',
};

type Value = ConditionsFile[ConditionField];

/**
 * A field's name as the approver reads it.
 * @example conditionLabel('maxKeysOut') // 'max keys out'
 */
export function conditionLabel(field: ConditionField): string {
  return LABELS[field];
}

/**
 * How a missing field reads: `default` shows the format's default (factors 1, approval none, ...), for a
 * block that is the last word; `inherit` says "not set", for a layer that only overrides.
 */
export type UnsetMeaning = 'default' | 'inherit';

/**
 * A field's value with the format's defaults applied and lists as sets, so that equal meanings compare equal.
 * @example normalizeCondition('approval', undefined) // 'none'
 */
export function normalizeCondition(field: ConditionField, value: Value): unknown {
  switch (field) {
    case 'factors':
      return value ?? 1;
    case 'factorKinds':
      return asSet((value as string[] | undefined) ?? FACTOR_KINDS);
    case 'reason':
      return value ?? 'optional';
    case 'approval':
      return value ?? 'none';
    case 'witness':
      return canonicalCondition(field, value) ?? false;
    default:
      return canonicalCondition(field, value) ?? null;
  }
}

/** A field's value as written, with lists as sets and durations in milliseconds; missing stays missing. */
function canonicalCondition(field: ConditionField, value: Value): unknown {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return asSet(value);
  if (field === 'maxDuration' && typeof value === 'string') return parseDuration(value) ?? value;
  if (field === 'witness' && typeof value === 'object') return { roles: asSet(value.roles) };
  return value;
}

/**
 * Whether two values of a field mean the same, with or without the format's defaults.
 * @example sameCondition('factors', undefined, 1, 'default') // true
 */
export function sameCondition(
  field: ConditionField,
  before: Value,
  after: Value,
  unset: UnsetMeaning,
): boolean {
  return unset === 'default'
    ? sameValue(normalizeCondition(field, before), normalizeCondition(field, after))
    : sameValue(canonicalCondition(field, before), canonicalCondition(field, after));
}

/**
 * A field's value in words.
 * @example showCondition(names, 'maxDuration', undefined) // 'no limit'
 */
export function showCondition(names: DiffNames, field: ConditionField, value: Value): string {
  switch (field) {
    case 'factorKinds':
      return Array.isArray(value) ? value.join(', ') : 'any kind';
    case 'reasons':
      return Array.isArray(value) ? value.map((id) => names.named('reason', id)).join(', ') : 'any reason';
    case 'reason':
      return String(value ?? 'optional');
    case 'approval':
      // `supervisor` and `none` read as they are; only a role needs its name.
      return value === undefined
        ? 'none'
        : String(value).startsWith('role:')
          ? names.recipient(String(value))
          : String(value);
    case 'witness':
      if (value === undefined || value === false) return 'none';
      if (value === true) return 'anyone who may take the key';
      if (typeof value === 'object' && !Array.isArray(value))
        return `a ${value.roles.map((id) => names.role(id)).join(' or ')}`;
      return String(value);
    case 'factors':
      return String(value ?? 1);
    default:
      return value === undefined ? 'no limit' : String(value);
  }
}

/**
 * The change of one field as a phrase: lists as what was added and removed, other values from-to.
 * @example describeConditionChange(names, 'factors', 2, 3, 'default') // 'factors changed from 2 to 3'
 */
export function describeConditionChange(
  names: DiffNames,
  field: ConditionField,
  before: Value,
  after: Value,
  unset: UnsetMeaning,
): string {
  const label = LABELS[field];
  const show = (value: Value) => showCondition(names, field, value);
  if (Array.isArray(before) && Array.isArray(after)) {
    const item = field === 'reasons' ? (id: string) => names.named('reason', id) : (id: string) => id;
    return `${label}: ${describeDelta(listDelta(before, after), item)}`;
  }
  if (unset === 'inherit' && before === undefined) return `${label} set to ${show(after)}`;
  if (unset === 'inherit' && after === undefined) return `${label} no longer set (was ${show(before)})`;
  return `${label} changed from ${show(before)} to ${show(after)}`;
}

/**
 * Whether moving a field from `before` to `after` weakens control. Missing values take the format's defaults.
 * @example conditionLoosens('factors', 2, 1) // true
 */
export function conditionLoosens(field: ConditionField, before: Value, after: Value): boolean {
  const was = normalizeCondition(field, before);
  const now = normalizeCondition(field, after);
  switch (field) {
    case 'factors':
      return (now as number) < (was as number);
    case 'factorKinds':
      return hasNew(was as string[], now as string[]);
    case 'reason':
      return was === 'required' && now !== 'required';
    case 'reasons':
      return was !== null && (now === null || hasNew(was as string[], now as string[]));
    case 'approval':
      return was !== 'none' && now === 'none';
    case 'witness':
      return witnessLoosens(was as WitnessValue, now as WitnessValue);
    default:
      // maxDuration and maxKeysOut: null is no limit at all.
      return was !== null && (now === null || (typeof now === 'number' && (now as number) > (was as number)));
  }
}

type WitnessValue = boolean | { roles: string[] };

function witnessLoosens(was: WitnessValue, now: WitnessValue): boolean {
  if (was === false) return false;
  if (now === false) return true;
  // "anyone who may take the key" admits more witnesses than a list of roles.
  if (now === true) return was !== true;
  return was !== true && hasNew(was.roles, now.roles);
}

function hasNew(before: readonly string[], after: readonly string[]): boolean {
  return after.some((item) => !before.includes(item));
}
