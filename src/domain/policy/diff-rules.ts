/**
 * Rules compared by id: added and removed rules, who and which keys they cover, when they apply, their
 * conditions, and their order, which matters because the first met rule decides.
 */
import { buildWeekMask } from '../calendar/weekly-windows.js';
import { effectiveConditions } from './conditions.js';
import {
  type DiffContext,
  describeDelta,
  isEmptyDelta,
  listDelta,
  makeChange,
  matchById,
  type PolicyChange,
  quote,
} from './diff-model.js';
import { diffRuleConditions } from './diff-rule-conditions.js';
import type { PolicyFile, RuleFile } from './policy-file.js';

const COVERAGE = [
  { part: 'who', field: 'roles', label: 'roles', kind: 'role' },
  { part: 'who', field: 'people', label: 'people', kind: 'person' },
  { part: 'keys', field: 'groups', label: 'key groups', kind: 'group' },
  { part: 'keys', field: 'keys', label: 'keys', kind: 'key' },
] as const;

/**
 * Every change to the rules.
 * @example diffRules(ctx).map((change) => change.summary) // ['Rule armory-command added: Watch commanders and Sergeants may take Armory keys at any time']
 */
export function diffRules(ctx: DiffContext): PolicyChange[] {
  const { names } = ctx;
  const matched = matchById(ctx.before.rules, ctx.after.rules);
  const changes: PolicyChange[] = [];
  for (const rule of matched.removed)
    changes.push(
      makeChange(
        'removed',
        'rules',
        rule.id,
        `rules[${rule.id}]`,
        `Rule ${rule.id} removed: ${names.ruleSentence(rule)}`,
        {
          before: rule,
        },
      ),
    );
  for (const rule of matched.added)
    changes.push(
      makeChange(
        'added',
        'rules',
        rule.id,
        `rules[${rule.id}]`,
        `Rule ${rule.id} added: ${names.ruleSentence(rule)}`,
        {
          loosens: true,
          after: rule,
        },
      ),
    );
  changes.push(...diffRuleOrder(ctx));
  for (const [was, now] of matched.common) changes.push(...diffRule(ctx, was, now));
  return changes;
}

function diffRule(ctx: DiffContext, was: RuleFile, now: RuleFile): PolicyChange[] {
  const { names } = ctx;
  const changes: PolicyChange[] = [];
  const at = `rules[${now.id}]`;
  if ((was.description ?? '') !== (now.description ?? ''))
    changes.push(
      makeChange(
        'changed',
        'rules',
        now.id,
        `${at}.description`,
        `Rule ${now.id}: description changed from ${quote(was.description)} to ${quote(now.description)}`,
        { before: was.description, after: now.description },
      ),
    );
  for (const { part, field, label, kind } of COVERAGE) {
    const before = (was[part] as Record<string, string[] | undefined>)[field];
    const after = (now[part] as Record<string, string[] | undefined>)[field];
    const delta = listDelta(before, after);
    if (isEmptyDelta(delta)) continue;
    const text = describeDelta(delta, (id) => names.named(kind, id));
    changes.push(
      makeChange('changed', 'rules', now.id, `${at}.${part}.${field}`, `Rule ${now.id}: ${label}: ${text}`, {
        loosens: delta.added.length > 0,
        before,
        after,
      }),
    );
  }
  if (was.when !== now.when)
    changes.push(
      makeChange(
        'changed',
        'rules',
        now.id,
        `${at}.when`,
        `Rule ${now.id}: applies ${names.when(now.when)} instead of ${names.when(was.when)}`,
        { loosens: whenWidens(ctx, was.when, now.when), before: was.when, after: now.when },
      ),
    );
  changes.push(...diffRuleConditions(ctx, was, now));
  return changes;
}

/** Whether a rule's new `when` may cover an instant the old one did not. */
function whenWidens({ before, after }: DiffContext, was: string, now: string): boolean {
  if (was === 'always') return false;
  if (now === 'always') return true;
  const wasSchedule = before.schedules.find((schedule) => schedule.id === was);
  const nowSchedule = after.schedules.find((schedule) => schedule.id === now);
  // Business hours, after hours and schedules overlap in ways only the calendar knows: assume wider.
  if (!wasSchedule || !nowSchedule) return true;
  const wasMask = buildWeekMask(wasSchedule.windows);
  return buildWeekMask(nowSchedule.windows).some((covered, minute) => covered === 1 && wasMask[minute] !== 1);
}

/**
 * Rules that changed place relative to others they share, reported once per moved rule. The rules kept in
 * place are a longest common subsequence of the two orders, so one rule moved to the top is one change.
 */
function diffRuleOrder(ctx: DiffContext): PolicyChange[] {
  const afterIds = new Set(ctx.after.rules.map((rule) => rule.id));
  const beforeIds = new Set(ctx.before.rules.map((rule) => rule.id));
  const was = ctx.before.rules.map((rule) => rule.id).filter((id) => afterIds.has(id));
  const now = ctx.after.rules.map((rule) => rule.id).filter((id) => beforeIds.has(id));
  const kept = new Set(longestCommonSubsequence(was, now));
  const changes: PolicyChange[] = [];
  for (const id of now) {
    if (kept.has(id)) continue;
    const ahead = now
      .filter((other) => other !== id && was.indexOf(other) < was.indexOf(id))
      .filter((other) => now.indexOf(other) > now.indexOf(id));
    const behind = now
      .filter((other) => other !== id && was.indexOf(other) > was.indexOf(id))
      .filter((other) => now.indexOf(other) < now.indexOf(id));
    const parts = [
      ...(ahead.length > 0 ? [`${id} now before ${ahead.join(', ')}`] : []),
      ...(behind.length > 0 ? [`${ahead.length > 0 ? 'and' : id} now after ${behind.join(', ')}`] : []),
    ];
    const loosens =
      ahead.some((other) => decidesLonger(ctx.after, id, other)) ||
      behind.some((other) => decidesLonger(ctx.after, other, id));
    changes.push(
      makeChange('changed', 'rules', id, `rules[${id}]`, `Rules reordered: ${parts.join(' ')}`, {
        loosens,
        before: ctx.before.rules.findIndex((rule) => rule.id === id),
        after: ctx.after.rules.findIndex((rule) => rule.id === id),
      }),
    );
  }
  return changes;
}

/**
 * Whether `first`, now deciding before `second` for a person and key both cover, lends keys for longer in
 * some phase: the first met rule sets the due time.
 */
function decidesLonger(policy: PolicyFile, firstId: string, secondId: string): boolean {
  const first = policy.rules.find((rule) => rule.id === firstId);
  const second = policy.rules.find((rule) => rule.id === secondId);
  if (!first || !second || !rulesOverlap(policy, first, second)) return false;
  return [false, true].some((afterHours) => {
    const mine = effectiveConditions(policy, first, afterHours).maxDurationMs ?? Number.POSITIVE_INFINITY;
    const theirs = effectiveConditions(policy, second, afterHours).maxDurationMs ?? Number.POSITIVE_INFINITY;
    return mine > theirs;
  });
}

/** Whether some person and some key are covered by both rules. */
function rulesOverlap(policy: PolicyFile, a: RuleFile, b: RuleFile): boolean {
  const people = (rule: RuleFile) =>
    new Set(
      policy.people
        .filter(
          (person) =>
            rule.who.people?.includes(person.id) ||
            person.roles.some((role) => rule.who.roles?.includes(role)),
        )
        .map((person) => person.id),
    );
  const keys = (rule: RuleFile) =>
    new Set(
      policy.keys
        .filter((key) => rule.keys.keys?.includes(key.id) || rule.keys.groups?.includes(key.group))
        .map((key) => key.id),
    );
  const shared = (x: Set<string>, y: Set<string>) => [...x].some((item) => y.has(item));
  return shared(people(a), people(b)) && shared(keys(a), keys(b));
}

/**
 * A longest common subsequence of two id lists.
 * @example longestCommonSubsequence(['a', 'b', 'c'], ['c', 'a', 'b']) // ['a', 'b']
 */
export function longestCommonSubsequence(a: readonly string[], b: readonly string[]): string[] {
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  const at = (i: number, j: number) => lengths[i]?.[j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lengths[i] as number[];
      row[j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  const common: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common.push(a[i] as string);
      i++;
      j++;
    } else if (at(i + 1, j) >= at(i, j + 1)) i++;
    else j++;
  }
  return common;
}
