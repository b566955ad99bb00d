/**
 * A validated policy compiled once into the indexes decide() reads: person -> rules, key -> rules (sorted
 * rule positions, intersected at decision time), one calendar per site, one minute-of-week mask per schedule,
 * and each rule's effective conditions for business hours and after hours.
 */
import { SiteCalendar } from '../calendar/site-calendar.js';
import { buildWeekMask } from '../calendar/weekly-windows.js';
import { type Conditions, effectiveConditions } from './conditions.js';
import type { PolicyFile, Sensitivity } from './policy-file.js';

export type RuleTime =
  | { kind: 'always' }
  | { kind: 'business-hours' }
  | { kind: 'after-hours' }
  | { kind: 'schedule'; id: string; name: string; mask: Uint8Array };

export interface CompiledRule {
  id: string;
  /** Position in the file: earlier rules win. */
  position: number;
  description: string | undefined;
  when: RuleTime;
  businessHours: Conditions;
  afterHours: Conditions;
}

export interface CompiledSite {
  id: string;
  name: string;
  timezone: string;
  calendar: SiteCalendar;
}

export interface CompiledPerson {
  id: string;
  name: string;
  /** "Dana Ruiz (p-ruiz)", built once: explanations use it on every decision. */
  display: string;
  /** "officer, sergeant", built once for the same reason. */
  rolesText: string;
  active: boolean;
  roles: ReadonlySet<string>;
  supervisor: string | null;
  /** Positions of the rules whose `who` names this person or one of their roles, ascending. */
  rulePositions: Int32Array;
}

export interface CompiledKey {
  id: string;
  label: string;
  /** "Patrol car 101 (car-101, Patrol vehicles)", built once for explanations. */
  display: string;
  group: string;
  groupName: string;
  cabinet: string;
  slot: number;
  site: CompiledSite;
  sensitivity: Sensitivity;
  /** Positions of the rules whose `keys` names this key or its group, ascending. */
  rulePositions: Int32Array;
}

export interface CompiledPolicy {
  source: PolicyFile;
  rules: CompiledRule[];
  people: ReadonlyMap<string, CompiledPerson>;
  keys: ReadonlyMap<string, CompiledKey>;
  sites: ReadonlyMap<string, CompiledSite>;
  reasons: ReadonlyMap<string, string>;
}

/**
 * Compiles a policy that validatePolicy accepted. Throws on references that validation would have refused.
 * @example const compiled = compilePolicy(parsePolicyText(text).policy!)
 */
export function compilePolicy(policy: PolicyFile): CompiledPolicy {
  const sites = new Map<string, CompiledSite>(
    policy.sites.map((site) => [
      site.id,
      { id: site.id, name: site.name, timezone: site.timezone, calendar: new SiteCalendar(site) },
    ]),
  );
  const schedules = new Map(policy.schedules.map((schedule) => [schedule.id, schedule]));
  const rules: CompiledRule[] = policy.rules.map((rule, position) => ({
    id: rule.id,
    position,
    description: rule.description,
    when: compileRuleTime(rule.when, schedules),
    businessHours: effectiveConditions(policy, rule, false),
    afterHours: effectiveConditions(policy, rule, true),
  }));

  // Rule positions by what `who` and `keys` name, so each person and key is a union of a few short lists
  // instead of a scan of every rule (10,000 people x 500 rules would take seconds).
  const rulesByRole = indexRules(policy.rules, (rule) => rule.who.roles);
  const rulesByPerson = indexRules(policy.rules, (rule) => rule.who.people);
  const rulesByGroup = indexRules(policy.rules, (rule) => rule.keys.groups);
  const rulesByKey = indexRules(policy.rules, (rule) => rule.keys.keys);

  const people = new Map<string, CompiledPerson>();
  for (const person of policy.people) {
    const roles = new Set(person.roles);
    people.set(person.id, {
      id: person.id,
      name: person.name,
      display: `${person.name} (${person.id})`,
      rolesText: person.roles.join(', '),
      active: person.active !== false,
      roles,
      supervisor: person.supervisor ?? null,
      rulePositions: unionOf([
        rulesByPerson.get(person.id),
        ...person.roles.map((role) => rulesByRole.get(role)),
      ]),
    });
  }

  const groups = new Map(policy.keyGroups.map((group) => [group.id, group]));
  const cabinets = new Map(policy.cabinets.map((cabinet) => [cabinet.id, cabinet]));
  const keys = new Map<string, CompiledKey>();
  for (const key of policy.keys) {
    const group = groups.get(key.group);
    const site = sites.get(cabinets.get(key.cabinet)?.site ?? '');
    if (!group || !site) throw new Error(`key "${key.id}" refers to an unknown group, cabinet or site`);
    keys.set(key.id, {
      id: key.id,
      label: key.label,
      display: `${key.label} (${key.id}, ${group.name})`,
      group: key.group,
      groupName: group.name,
      cabinet: key.cabinet,
      slot: key.slot,
      site,
      sensitivity: key.sensitivity ?? group.sensitivity ?? 'normal',
      rulePositions: unionOf([rulesByKey.get(key.id), rulesByGroup.get(key.group)]),
    });
  }

  const reasons = new Map(policy.reasons.map((reason) => [reason.id, reason.label]));
  return { source: policy, rules, people, keys, sites, reasons };
}

function compileRuleTime(when: string, schedules: Map<string, PolicyFile['schedules'][number]>): RuleTime {
  if (when === 'always' || when === 'business-hours' || when === 'after-hours') return { kind: when };
  const schedule = schedules.get(when);
  if (!schedule) throw new Error(`unknown schedule "${when}"`);
  return { kind: 'schedule', id: schedule.id, name: schedule.name, mask: buildWeekMask(schedule.windows) };
}

function indexRules(
  rules: PolicyFile['rules'],
  names: (rule: PolicyFile['rules'][number]) => string[] | undefined,
): Map<string, number[]> {
  const index = new Map<string, number[]>();
  rules.forEach((rule, position) => {
    for (const name of new Set(names(rule) ?? [])) {
      const list = index.get(name);
      if (list) list.push(position);
      else index.set(name, [position]);
    }
  });
  return index;
}

/** Sorted, de-duplicated union of ascending position lists. */
function unionOf(lists: (number[] | undefined)[]): Int32Array {
  const present = lists.filter((list): list is number[] => list !== undefined);
  if (present.length === 1) return Int32Array.from(present[0] as number[]);
  return Int32Array.from(new Set(present.flat())).sort();
}
