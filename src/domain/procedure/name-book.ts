/**
 * The names a reader knows things by (role names, group names, reason labels), looked up from the ids the
 * policy file uses. Unknown ids fall back to the id itself: validation reports them, the text stays whole.
 */
import type {
  KeyFile,
  PersonFile,
  PolicyFile,
  RuleFile,
  ScheduleFile,
  SiteFile,
} from '../policy/policy-file.js';
import { listAnd, listOr } from './words.js';

export interface NameBook {
  policy: PolicyFile;
  roleName(id: string): string;
  groupName(id: string): string;
  reasonLabel(id: string): string;
  person(id: string): PersonFile | undefined;
  personName(id: string): string;
  schedule(id: string): ScheduleFile | undefined;
  cabinetName(id: string): string;
  /** The site whose cabinet holds the key. */
  siteOfKey(key: KeyFile): SiteFile | undefined;
  /** Keys a rule names, directly or by group, in file order. */
  keysOfRule(rule: RuleFile): KeyFile[];
  /** "people with the role Patrol officer or Sergeant, and Dana Ruiz" */
  describeWho(rule: RuleFile): string;
  /** "Patrol vehicles (Patrol car 101, Patrol car 102)" */
  describeKeys(rule: RuleFile, withLabels?: boolean): string;
  /** "Patrol vehicles (Patrol officer, Sergeant)": a rule in a few words, for titles and tables. */
  describeRuleShort(rule: RuleFile): string;
}

/**
 * Indexes a policy's names once for the builders.
 * @example createNameBook(policy).roleName('watch-commander') // 'Watch commander'
 */
export function createNameBook(policy: PolicyFile): NameBook {
  const byId = <T extends { id: string }>(items: readonly T[]) =>
    new Map(items.map((item) => [item.id, item]));
  const roles = byId(policy.roles);
  const groups = byId(policy.keyGroups);
  const reasons = byId(policy.reasons);
  const people = byId(policy.people);
  const schedules = byId(policy.schedules);
  const cabinets = byId(policy.cabinets);
  const sites = byId(policy.sites);

  const book: NameBook = {
    policy,
    roleName: (id) => roles.get(id)?.name ?? id,
    groupName: (id) => groups.get(id)?.name ?? id,
    reasonLabel: (id) => reasons.get(id)?.label ?? id,
    person: (id) => people.get(id),
    personName: (id) => people.get(id)?.name ?? id,
    schedule: (id) => schedules.get(id),
    cabinetName: (id) => cabinets.get(id)?.name ?? id,
    siteOfKey: (key) => sites.get(cabinets.get(key.cabinet)?.site ?? ''),
    keysOfRule: (rule) =>
      policy.keys.filter((key) => rule.keys.keys?.includes(key.id) || rule.keys.groups?.includes(key.group)),
    describeWho(rule) {
      const parts: string[] = [];
      const roleIds = rule.who.roles ?? [];
      if (roleIds.length > 0)
        parts.push(`people with the role ${listOr(roleIds.map((id) => book.roleName(id)))}`);
      parts.push(...(rule.who.people ?? []).map((id) => book.personName(id)));
      return listAnd(parts);
    },
    describeKeys(rule, withLabels = true) {
      const parts = (rule.keys.groups ?? []).map((group) => {
        const labels = policy.keys.filter((key) => key.group === group).map((key) => key.label);
        const name = book.groupName(group);
        return withLabels && labels.length > 0 ? `${name} (${labels.join(', ')})` : name;
      });
      for (const id of rule.keys.keys ?? []) {
        const key = policy.keys.find((candidate) => candidate.id === id);
        // A key already named through its group is not repeated.
        if (key && rule.keys.groups?.includes(key.group)) continue;
        parts.push(`the key ${key?.label ?? id}`);
      }
      return listAnd(parts);
    },
    describeRuleShort(rule) {
      const who = [
        ...(rule.who.roles ?? []).map((id) => book.roleName(id)),
        ...(rule.who.people ?? []).map((id) => book.personName(id)),
      ];
      return `${book.describeKeys(rule, false)} (${who.join(', ')})`;
    },
  };
  return book;
}
