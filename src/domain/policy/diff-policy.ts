/**
 * `keywarden policy diff A B`: what changed between two policy files, in words an approver can check, with
 * the changes that loosen control flagged for the second approver. Items are compared by id, never by
 * position; only the order of rules is reported, because the first met rule decides.
 */
import { diffConsequences } from './diff-consequences.js';
import { diffCabinets, diffKeyGroups, diffKeys } from './diff-keys.js';
import {
  type DiffContext,
  kindOf,
  makeChange,
  type PolicyChange,
  quote,
  SECTION_ORDER,
} from './diff-model.js';
import { createDiffNames } from './diff-names.js';
import { diffNotifications } from './diff-notifications.js';
import { diffPeople, diffReasons, diffRoles } from './diff-people.js';
import { diffSchedules, diffSites } from './diff-places.js';
import { diffDefaults } from './diff-rule-conditions.js';
import { diffRules } from './diff-rules.js';
import type { PolicyFile } from './policy-file.js';

export { type DiffFormat, formatPolicyDiff } from './diff-format.js';
export type { ChangeKind, PolicyChange, PolicySection } from './diff-model.js';

/**
 * Every difference between two valid policies, in the file's section order. Identical policies give [].
 * @example
 * const after = structuredClone(before);
 * after.defaults.afterHours = { ...after.defaults.afterHours, factors: 3 };
 * diffPolicies(before, after)[0]?.summary // 'Default after-hours factors changed from 2 to 3'
 */
export function diffPolicies(before: PolicyFile, after: PolicyFile): PolicyChange[] {
  const ctx: DiffContext = { before, after, names: createDiffNames(before, after) };
  const changes = [
    ...diffHeader(ctx),
    ...diffDefaults(ctx),
    ...diffSites(ctx),
    ...diffSchedules(ctx),
    ...diffCabinets(ctx),
    ...diffKeyGroups(ctx),
    ...diffKeys(ctx),
    ...diffRoles(ctx),
    ...diffPeople(ctx),
    ...diffReasons(ctx),
    ...diffRules(ctx),
    ...diffNotifications(ctx),
    ...diffConsequences(ctx),
  ];
  // Each differ keeps its own order; the sort (stable) only guarantees the sections' order.
  return changes.sort((a, b) => SECTION_ORDER.indexOf(a.section) - SECTION_ORDER.indexOf(b.section));
}

/**
 * Changes to the `policy` header: name, owner and review cadences.
 * @example diffHeader(ctx)[0]?.summary // 'Policy owner changed from p-okafor (Grace Okafor) to p-chen (Marcus Chen)'
 */
export function diffHeader({ before, after, names }: DiffContext): PolicyChange[] {
  const was = before.policy;
  const now = after.policy;
  const changes: PolicyChange[] = [];
  if (was.name !== now.name)
    changes.push(
      makeChange(
        'changed',
        'policy',
        null,
        'policy.name',
        `Policy name changed from ${quote(was.name)} to ${quote(now.name)}`,
        {
          before: was.name,
          after: now.name,
        },
      ),
    );
  if (was.owner !== now.owner)
    changes.push(
      makeChange(
        'changed',
        'policy',
        null,
        'policy.owner',
        `Policy owner changed from ${names.idNamed('person', was.owner)} to ${names.idNamed('person', now.owner)}`,
        { before: was.owner, after: now.owner },
      ),
    );
  const reviews = [
    { field: 'reviewEveryDays', label: 'Procedure review' },
    { field: 'accessReviewEveryDays', label: 'Access review' },
  ] as const;
  for (const { field, label } of reviews) {
    const [a, b] = [was[field], now[field]];
    if (a === b) continue;
    const show = (days: number | undefined) => (days === undefined ? 'not scheduled' : `every ${days} days`);
    changes.push(
      makeChange(
        kindOf(a, b),
        'policy',
        null,
        `policy.${field}`,
        `${label} changed from ${show(a)} to ${show(b)}`,
        {
          // Reviews that come later, or never, leave stale permissions in place for longer.
          loosens: a !== undefined && (b === undefined || b > a),
          before: a,
          after: b,
        },
      ),
    );
  }
  return changes;
}
