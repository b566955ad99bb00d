/**
 * Which notification rules of a policy an event triggers: its type is in the rule's `on`, and every filter
 * in the rule's `when` holds. A filter that cannot be judged for the event (no key, so no sensitivity or
 * site) does not hold: a rule that asks for critical keys is never sent for a policy change.
 */
import type { NotificationFile } from '../policy/policy-file.js';

export interface RuleFilterFacts {
  type: string;
  afterHours: boolean | null;
  sensitivity: string | null;
  siteId: string | null;
  groupId: string | null;
}

/**
 * Whether one rule applies to the event.
 * @example ruleMatches({ id: 'r', on: ['checkout'], to: ['supervisor'], via: ['email'] }, { type: 'checkout', afterHours: false, sensitivity: 'normal', siteId: 'central', groupId: 'cars' }) // true
 */
export function ruleMatches(rule: NotificationFile, facts: RuleFilterFacts): boolean {
  if (!(rule.on as readonly string[]).includes(facts.type)) return false;
  const when = rule.when;
  if (!when) return true;
  if (when.afterHours !== undefined && facts.afterHours !== when.afterHours) return false;
  if (
    when.sensitivity &&
    (facts.sensitivity === null || !when.sensitivity.includes(facts.sensitivity as never))
  )
    return false;
  if (when.sites && (facts.siteId === null || !when.sites.includes(facts.siteId))) return false;
  if (when.groups && (facts.groupId === null || !when.groups.includes(facts.groupId))) return false;
  return true;
}

/**
 * The rules an event triggers, in file order.
 * @example matchingRules(policy.notifications, facts).map((rule) => rule.id) // ['after-hours-removal']
 */
export function matchingRules(
  rules: readonly NotificationFile[],
  facts: RuleFilterFacts,
): NotificationFile[] {
  return rules.filter((rule) => ruleMatches(rule, facts));
}
