/**
 * The policy's grants in an engine-neutral form, for translating into casbin and Cedar. Read from the policy
 * file itself, following ../shared/policy-format.md ("Rules", "Deciding") independently of decide(), so that
 * an agreement check between engines is also a check of decide().
 *
 * What the ABAC engines cannot compute themselves is the time: whether an instant is after hours at the
 * key's site (timezone, business hours, public holidays, closures) and which schedules cover it. Those come
 * from Keywarden's calendar (the compiled policy's SiteCalendar) and are passed in as request context.
 */
import { buildWeekMask, MINUTES_PER_DAY } from '../src/domain/calendar/weekly-windows.js';
import type { CompiledPolicy } from '../src/domain/policy/compile-policy.js';
import type { ConditionsFile, FactorKind, PolicyFile, RuleFile } from '../src/domain/policy/policy-file.js';
import { FACTORS } from './generate-policy.js';

export type TimeCover =
  | { kind: 'always' }
  | { kind: 'business-hours' }
  | { kind: 'after-hours' }
  | { kind: 'schedule'; schedule: string };

export interface Who {
  roles: string[];
  people: string[];
}

export interface Keys {
  groups: string[];
  keys: string[];
}

/** A rule as seen by a witness check: who it names, which keys, when. */
export interface RuleReach {
  rule: string;
  who: Who;
  keys: Keys;
  time: TimeCover;
}

/** One rule under one set of effective conditions: business hours or after hours. */
export interface Grant {
  rule: string;
  /** The instant must be after hours (true) or in business hours (false). */
  afterHours: boolean;
  who: Who;
  keys: Keys;
  /** The rule's `when` when it is a schedule; always/business-hours/after-hours are folded into afterHours. */
  schedule: string | null;
  factors: number;
  factorKinds: FactorKind[];
  reasonRequired: boolean;
  /** null: every reason of the policy. */
  reasons: string[] | null;
  maxKeysOut: number | null;
  approval: { kind: 'none' } | { kind: 'supervisor' } | { kind: 'role'; role: string };
  witness:
    | { kind: 'none' }
    | { kind: 'roles'; roles: string[] }
    /** Someone for whom a rule matching the key covers the instant: the candidate rules are listed. */
    | { kind: 'eligible'; via: RuleReach[] };
}

function merge(...layers: (ConditionsFile | undefined)[]): ConditionsFile {
  const out: Record<string, unknown> = {};
  for (const layer of layers)
    for (const [field, value] of Object.entries(layer ?? {})) if (value !== undefined) out[field] = value;
  return out as ConditionsFile;
}

function timeOf(rule: RuleFile): TimeCover {
  if (rule.when === 'always' || rule.when === 'business-hours' || rule.when === 'after-hours')
    return { kind: rule.when };
  return { kind: 'schedule', schedule: rule.when };
}

function reachOf(rule: RuleFile): RuleReach {
  return {
    rule: rule.id,
    who: { roles: rule.who.roles ?? [], people: rule.who.people ?? [] },
    keys: { groups: rule.keys.groups ?? [], keys: rule.keys.keys ?? [] },
    time: timeOf(rule),
  };
}

/**
 * Every grant of the policy, in file order: a rule gives one grant per kind of instant it can cover.
 * @example buildGrants(policy).length // about 1.6 x the number of rules
 */
export function buildGrants(policy: PolicyFile): Grant[] {
  const groupOfKey = new Map(policy.keys.map((key) => [key.id, key.group]));
  /** Rules that could name the same key: they share a group, or one names a key of the other's groups. */
  const overlaps = (a: RuleReach, b: RuleReach): boolean => {
    const groupsA = new Set(a.keys.groups);
    const groupsB = new Set(b.keys.groups);
    const keysA = new Set(a.keys.keys);
    return (
      b.keys.groups.some((g) => groupsA.has(g)) ||
      b.keys.keys.some((k) => keysA.has(k) || groupsA.has(groupOfKey.get(k) ?? '')) ||
      a.keys.keys.some((k) => groupsB.has(groupOfKey.get(k) ?? ''))
    );
  };
  const reaches = policy.rules.map(reachOf);

  const grants: Grant[] = [];
  policy.rules.forEach((rule, position) => {
    const reach = reaches[position] as RuleReach;
    const time = reach.time;
    for (const afterHours of [false, true]) {
      if (time.kind === 'business-hours' && afterHours) continue;
      if (time.kind === 'after-hours' && !afterHours) continue;
      const c = afterHours
        ? merge(rule.require, policy.defaults.afterHours, rule.afterHours)
        : merge(rule.require);
      const approval = c.approval ?? 'none';
      let witness: Grant['witness'] = { kind: 'none' };
      if (c.witness === true)
        witness = { kind: 'eligible', via: reaches.filter((other) => overlaps(reach, other)) };
      else if (typeof c.witness === 'object') witness = { kind: 'roles', roles: c.witness.roles };
      grants.push({
        rule: rule.id,
        afterHours,
        who: reach.who,
        keys: reach.keys,
        schedule: time.kind === 'schedule' ? time.schedule : null,
        factors: c.factors ?? 1,
        factorKinds: [...new Set(c.factorKinds ?? FACTORS)],
        reasonRequired: c.reason === 'required',
        reasons: c.reasons ?? null,
        maxKeysOut: c.maxKeysOut ?? null,
        approval:
          approval === 'none'
            ? { kind: 'none' }
            : approval === 'supervisor'
              ? { kind: 'supervisor' }
              : { kind: 'role', role: approval.slice('role:'.length) },
        witness,
      });
    }
  });
  return grants;
}

/** The time facts of one request, from Keywarden's calendar. */
export interface TimeFacts {
  afterHours: boolean;
  /** Ids of the schedules whose windows cover the instant at the key's site. */
  schedules: string[];
}

/** Computes after-hours and schedule coverage with Keywarden's SiteCalendar and the schedules' week masks. */
export function createTimeFacts(
  compiled: CompiledPolicy,
  policy: PolicyFile,
): (keyId: string, instantMs: number) => TimeFacts {
  const masks = policy.schedules.map((schedule) => ({
    id: schedule.id,
    mask: buildWeekMask(schedule.windows),
  }));
  return (keyId, instantMs) => {
    const key = compiled.keys.get(keyId);
    if (!key) throw new Error(`unknown key ${keyId}`);
    const time = key.site.calendar.timeAt(instantMs);
    const minute = time.local.weekday * MINUTES_PER_DAY + time.local.minuteOfDay;
    const schedules: string[] = [];
    for (const { id, mask } of masks) if (mask[minute] === 1) schedules.push(id);
    return { afterHours: time.afterHours, schedules };
  };
}
