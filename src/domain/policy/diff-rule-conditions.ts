/**
 * Conditions changes of the defaults and of each rule. After hours a rule's conditions are `require`, then
 * `defaults.afterHours`, then its own `afterHours`: a change in the defaults is reported once for the
 * defaults and again for every rule whose effective after-hours conditions it changes.
 */
import { mergeConditions } from './conditions.js';
import {
  CONDITION_FIELDS,
  type ConditionField,
  conditionLabel,
  conditionLoosens,
  describeConditionChange,
  sameCondition,
  showCondition,
} from './diff-conditions.js';
import { type DiffContext, kindOf, makeChange, type PolicyChange } from './diff-model.js';
import type { ConditionsFile, PolicyFile, RuleFile } from './policy-file.js';

/**
 * Changes in `defaults.afterHours`, one per field.
 * @example diffDefaults(ctx)[0]?.summary // 'Default after-hours factors changed from 2 to 3'
 */
export function diffDefaults({ before, after, names }: DiffContext): PolicyChange[] {
  const was = before.defaults.afterHours ?? {};
  const now = after.defaults.afterHours ?? {};
  return CONDITION_FIELDS.filter((field) => !sameCondition(field, was[field], now[field], 'inherit')).map(
    (field) =>
      makeChange(
        kindOf(was[field], now[field]),
        'defaults',
        null,
        `defaults.afterHours.${field}`,
        `Default after-hours ${describeConditionChange(names, field, was[field], now[field], 'inherit')}`,
        { loosens: conditionLoosens(field, was[field], now[field]), before: was[field], after: now[field] },
      ),
  );
}

/** Where a field's effective after-hours value comes from. */
type Source = 'rule' | 'defaults' | 'require' | 'format';

const SOURCE_WORDS: Record<Exclude<Source, 'rule'>, string> = {
  defaults: 'from the defaults',
  require: "from the rule's require",
  format: "left to the format's default",
};

function sourceOf(policy: PolicyFile, rule: RuleFile, field: ConditionField): Source {
  if (rule.afterHours?.[field] !== undefined) return 'rule';
  if (policy.defaults.afterHours?.[field] !== undefined) return 'defaults';
  if (rule.require?.[field] !== undefined) return 'require';
  return 'format';
}

function effectiveAfterHours(policy: PolicyFile, rule: RuleFile): ConditionsFile {
  return mergeConditions(rule.require, policy.defaults.afterHours, rule.afterHours);
}

/**
 * Changes in a rule's `require` and in its effective after-hours conditions, one per field.
 * @example diffRuleConditions(ctx, before, after)[0]?.summary // 'Rule officers-patrol-cars: after-hours reasons: added Incident response (incident-response)'
 */
export function diffRuleConditions(ctx: DiffContext, was: RuleFile, now: RuleFile): PolicyChange[] {
  const changes: PolicyChange[] = [];
  for (const field of CONDITION_FIELDS) {
    const required = diffRequire(ctx, was, now, field);
    if (required) changes.push(required);
    const afterHours = diffAfterHours(ctx, was, now, field);
    if (afterHours) changes.push(afterHours);
  }
  return changes;
}

function diffRequire(ctx: DiffContext, was: RuleFile, now: RuleFile, field: ConditionField) {
  const before = was.require?.[field];
  const after = now.require?.[field];
  if (sameCondition(field, before, after, 'default')) return null;
  // A require field that the after-hours layers override only holds during business hours.
  const phase = sourceOf(ctx.after, now, field) === 'require' || sourceOf(ctx.after, now, field) === 'format';
  const text = describeConditionChange(ctx.names, field, before, after, 'default');
  return makeChange(
    kindOf(before, after),
    'rules',
    now.id,
    `rules[${now.id}].require.${field}`,
    `Rule ${now.id}: ${phase ? '' : 'business-hours '}${text}`,
    { loosens: conditionLoosens(field, before, after), before, after },
  );
}

function diffAfterHours(ctx: DiffContext, was: RuleFile, now: RuleFile, field: ConditionField) {
  const ownChanged = !sameCondition(field, was.afterHours?.[field], now.afterHours?.[field], 'inherit');
  const before = effectiveAfterHours(ctx.before, was)[field];
  const after = effectiveAfterHours(ctx.after, now)[field];
  const effectChanged = !sameCondition(field, before, after, 'default');
  const sourceBefore = sourceOf(ctx.before, was, field);
  const sourceAfter = sourceOf(ctx.after, now, field);
  const throughDefaults = sourceBefore === 'defaults' || sourceAfter === 'defaults';
  // Changes that come from `require` alone were reported with require; rules that never run after hours
  // are not touched by the defaults.
  if (!ownChanged && !(effectChanged && throughDefaults && now.when !== 'business-hours')) return null;

  const path = `rules[${now.id}].afterHours.${field}`;
  // Say where a value the rule does not set comes from; the format's default speaks for itself ("none").
  const cause =
    sourceAfter === 'defaults' || sourceAfter === 'require' ? ` (${SOURCE_WORDS[sourceAfter]})` : '';
  if (!effectChanged) {
    const still = showCondition(ctx.names, field, after);
    const how = sourceAfter === 'rule' ? 'now set by the rule itself' : `now ${SOURCE_WORDS[sourceAfter]}`;
    return makeChange(
      'changed',
      'rules',
      now.id,
      path,
      `Rule ${now.id}: after-hours ${conditionLabel(field)} ${how}, still ${still}`,
      {
        before: was.afterHours?.[field],
        after: now.afterHours?.[field],
      },
    );
  }
  const text = describeConditionChange(ctx.names, field, before, after, 'default');
  return makeChange(
    kindOf(before, after),
    'rules',
    now.id,
    path,
    `Rule ${now.id}: after-hours ${text}${cause}`,
    {
      loosens: conditionLoosens(field, before, after),
      before,
      after,
    },
  );
}
