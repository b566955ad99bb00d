/**
 * Names for the diff's sentences, looked up in the new policy first and the old one second, so that a
 * removed reason is still called by its label. Unknown ids fall back to the id itself.
 */
import type { PolicyFile, RuleFile } from './policy-file.js';

export interface DiffNames {
  role(id: string): string;
  person(id: string): string;
  reason(id: string): string;
  group(id: string): string;
  site(id: string): string;
  schedule(id: string): string;
  cabinet(id: string): string;
  key(id: string): string;
  /** A sensitivity, explicit or through the key's group, in either policy; `normal` when unknown. */
  keySensitivity(policy: PolicyFile, id: string): string;
  /** "Patrol officer (officer)": a name the reader knows, with the id the file uses. */
  named(kind: NameKind, id: string): string;
  /** "p-lee (Ana Lee)": the id first, for items that are usually referred to by id. */
  idNamed(kind: NameKind, id: string): string;
  /** `role:watch-commander (Watch commander)`, `the supervisor`, `email:...`. */
  recipient(text: string): string;
  /** "Watch commanders and Sergeants may take Armory keys at any time". */
  ruleSentence(rule: RuleFile): string;
  /** "at any time", "during business hours", "during the Night shift schedule (night-shift)". */
  when(when: string): string;
}

export type NameKind = 'role' | 'person' | 'reason' | 'group' | 'site' | 'schedule' | 'cabinet' | 'key';

/**
 * Indexes the names of both policies once.
 * @example createDiffNames(before, after).named('reason', 'incident-response') // 'Incident response (incident-response)'
 */
export function createDiffNames(before: PolicyFile, after: PolicyFile): DiffNames {
  const index = <T extends { id: string }>(pick: (policy: PolicyFile) => T[], name: (item: T) => string) => {
    const names = new Map<string, string>();
    for (const policy of [before, after]) for (const item of pick(policy)) names.set(item.id, name(item));
    return (id: string) => names.get(id) ?? id;
  };
  const lookups: Record<NameKind, (id: string) => string> = {
    role: index(
      (policy) => policy.roles,
      (item) => item.name,
    ),
    person: index(
      (policy) => policy.people,
      (item) => item.name,
    ),
    reason: index(
      (policy) => policy.reasons,
      (item) => item.label,
    ),
    group: index(
      (policy) => policy.keyGroups,
      (item) => item.name,
    ),
    site: index(
      (policy) => policy.sites,
      (item) => item.name,
    ),
    schedule: index(
      (policy) => policy.schedules,
      (item) => item.name,
    ),
    cabinet: index(
      (policy) => policy.cabinets,
      (item) => item.name,
    ),
    key: index(
      (policy) => policy.keys,
      (item) => item.label,
    ),
  };

  const names: DiffNames = {
    role: lookups.role,
    person: lookups.person,
    reason: lookups.reason,
    group: lookups.group,
    site: lookups.site,
    schedule: lookups.schedule,
    cabinet: lookups.cabinet,
    key: lookups.key,
    keySensitivity(policy, id) {
      const key = policy.keys.find((candidate) => candidate.id === id);
      const group = policy.keyGroups.find((candidate) => candidate.id === key?.group);
      return key?.sensitivity ?? group?.sensitivity ?? 'normal';
    },
    named(kind, id) {
      const name = lookups[kind](id);
      return name === id ? id : `${name} (${id})`;
    },
    idNamed(kind, id) {
      const name = lookups[kind](id);
      return name === id ? id : `${id} (${name})`;
    },
    recipient(text) {
      if (text.startsWith('role:')) return `${text} (${lookups.role(text.slice(5))})`;
      if (text.startsWith('person:')) return `${text} (${lookups.person(text.slice(7))})`;
      if (text === 'person' || text === 'supervisor') return `the ${text}`;
      return text;
    },
    ruleSentence(rule) {
      const who = [
        ...(rule.who.roles ?? []).map((id) => plural(lookups.role(id))),
        ...(rule.who.people ?? []).map((id) => lookups.person(id)),
      ];
      const keys = [
        ...(rule.keys.groups ?? []).map((id) => groupKeys(lookups.group(id))),
        ...(rule.keys.keys ?? []).map((id) => `the key ${lookups.key(id)}`),
      ];
      return `${listAnd(who) || 'Nobody'} may take ${listAnd(keys) || 'no keys'} ${ruleTime(rule.when)}`;
    },
    when(when) {
      const time = ruleTime(when);
      return time.startsWith('during the ') ? `${time} (${when})` : time;
    },
  };
  return names;

  function ruleTime(when: string): string {
    if (when === 'always') return 'at any time';
    if (when === 'business-hours') return 'during business hours';
    if (when === 'after-hours') return 'after hours';
    const name = lookups.schedule(when);
    return `during the ${name}${/\bschedule$/i.test(name) ? '' : ' schedule'}`;
  }
}

/**
 * Joins words as a person would: "a", "a and b", "a, b and c".
 * @example listAnd(['Sergeants', 'Watch commanders']) // 'Sergeants and Watch commanders'
 */
export function listAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The plural of a role name, by the common English endings (good enough for job titles).
 * @example plural('Watch commander') // 'Watch commanders'
 */
export function plural(noun: string): string {
  if (/(s|x|z|ch|sh)$/i.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/i.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

/** "Armory keys"; a group already called "... keys" is not doubled. */
function groupKeys(name: string): string {
  return /\bkeys$/i.test(name) ? name : `${name} keys`;
}
