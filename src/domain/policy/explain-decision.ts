/**
 * The explanation a person reads beside a decision: which rule decided, when it is at the key's site and
 * why that counts as after hours, what was presented and what is still missing.
 */
import { describeDuration } from '../calendar/duration.js';
import type { SiteTime } from '../calendar/site-calendar.js';
import { dayNumberToDate } from '../calendar/zone-clock.js';
import type { CompiledKey, CompiledPerson, CompiledPolicy, CompiledRule } from './compile-policy.js';
import type { Conditions } from './conditions.js';
import type { DecisionContext, RuleEvaluation } from './decide.js';

const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "Fri 2026-11-27 02:30 America/Chicago (UTC-06:00)". */
export function describeLocalTime(time: SiteTime, timezone: string): string {
  const { local } = time;
  const clock = `${pad(Math.floor(local.minuteOfDay / 60))}:${pad(local.minuteOfDay % 60)}`;
  return `${WEEKDAY_NAMES[local.weekday]} ${dayNumberToDate(local.dayNumber)} ${clock} ${timezone} (${formatOffset(local.offsetMinutes)})`;
}

/** "after hours at Central Station (public holiday: Christmas Day), Fri 2026-12-25 ..." */
function describeWhen(key: CompiledKey, time: SiteTime): string {
  const at = describeLocalTime(time, key.site.timezone);
  switch (time.status) {
    case 'business-hours':
      return `during business hours at ${key.site.name}, ${at}`;
    case 'outside-business-hours':
      return `after hours at ${key.site.name} (outside business hours), ${at}`;
    case 'holiday':
      return `after hours at ${key.site.name} (public holiday: ${time.closedFor}), ${at}`;
    case 'closure':
      return `after hours at ${key.site.name} (local closure), ${at}`;
  }
}

function who(person: CompiledPerson): string {
  return person.display;
}

function what(key: CompiledKey): string {
  return key.display;
}

function listOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

export function explainPersonInactive(person: CompiledPerson): string {
  return `${who(person)} is inactive and may take no key.`;
}

export function explainNoRule(person: CompiledPerson, key: CompiledKey): string {
  return `No rule gives ${who(person)}${person.rolesText ? `, ${person.rolesText},` : ''} the key ${what(key)}.`;
}

function describeRuleTime(rule: CompiledRule): string {
  switch (rule.when.kind) {
    case 'always':
      return 'at any time';
    case 'business-hours':
      return 'during business hours';
    case 'after-hours':
      return 'after hours';
    case 'schedule':
      return `during the schedule "${rule.when.name}"`;
  }
}

export function explainOutsideHours(
  person: CompiledPerson,
  key: CompiledKey,
  time: SiteTime,
  rules: CompiledRule[],
): string {
  const grants = rules.map((rule) => `rule ${rule.id} ${describeRuleTime(rule)}`).join('; ');
  return `${who(person)} may take ${what(key)} only under ${grants}; it is now ${describeWhen(key, time)}.`;
}

export function explainMaxKeysOut(
  person: CompiledPerson,
  key: CompiledKey,
  keysOut: number,
  conditions: Conditions,
): string {
  return `${who(person)} already holds ${keysOut} key${keysOut === 1 ? '' : 's'}; no rule for ${what(key)} allows more than ${conditions.maxKeysOut} at once. Return a key first.`;
}

export function explainReasonNotAllowed(
  policy: CompiledPolicy,
  key: CompiledKey,
  reason: string,
  known: boolean,
  rules: CompiledRule[],
  afterHours: boolean,
): string {
  if (!known)
    return `"${reason}" is not a reason code of this policy (known: ${[...policy.reasons.keys()].join(', ')}).`;
  const allowed = new Set<string>();
  for (const rule of rules)
    for (const r of (afterHours ? rule.afterHours : rule.businessHours).reasons ?? []) allowed.add(r);
  const label = policy.reasons.get(reason);
  return `The reason "${label}" (${reason}) does not allow ${what(key)}${afterHours ? ' after hours' : ''}; allowed: ${[...allowed].map((r) => `${policy.reasons.get(r)} (${r})`).join(', ')}.`;
}

function describeMissing(policy: CompiledPolicy, evaluation: RuleEvaluation): string[] {
  const { missing, conditions } = evaluation;
  const parts: string[] = [];
  if (missing.factors) {
    parts.push(
      `${missing.factors} more factor${missing.factors === 1 ? '' : 's'} (${listOr(missing.factorKinds ?? [])})`,
    );
  }
  if (missing.reason) {
    const reasons = conditions.reasons ? [...conditions.reasons] : [...policy.reasons.keys()];
    parts.push(`a reason (${listOr(reasons)})`);
  }
  if (missing.approval) {
    parts.push(
      missing.approval === 'supervisor'
        ? "the supervisor's approval"
        : `approval by a ${missing.approval.slice(5)}`,
    );
  }
  if (missing.witness) {
    parts.push(
      conditions.witness.kind === 'roles'
        ? `a witness holding the role ${listOr(conditions.witness.roles)}`
        : 'a witness who could take this key',
    );
  }
  return parts;
}

export function explainNeeds(
  policy: CompiledPolicy,
  person: CompiledPerson,
  key: CompiledKey,
  time: SiteTime,
  evaluation: RuleEvaluation,
): string {
  const notes = evaluation.notes.length ? ` (${evaluation.notes.join('; ')})` : '';
  return `Rule ${evaluation.rule.id} can give ${who(person)} ${what(key)} ${describeWhen(key, time)}, once it has: ${describeMissing(policy, evaluation).join(', ')}${notes}.`;
}

export function explainAllow(
  policy: CompiledPolicy,
  person: CompiledPerson,
  key: CompiledKey,
  time: SiteTime,
  evaluation: RuleEvaluation,
  context: DecisionContext,
  dueAt: string | null,
): string {
  const details: string[] = [];
  const factors = (context.factors ?? []).filter((kind) => evaluation.conditions.factorKinds.includes(kind));
  details.push(`factors ${factors.join(' + ')}`);
  if (context.reason) details.push(`reason "${policy.reasons.get(context.reason)}"`);
  if (evaluation.conditions.approval.kind !== 'none' && context.approver)
    details.push(`approved by ${context.approver}`);
  if (evaluation.conditions.witness.kind !== 'none' && context.witness)
    details.push(`witnessed by ${context.witness}`);
  const due =
    dueAt && evaluation.conditions.maxDurationMs
      ? ` Due back within ${describeDuration(evaluation.conditions.maxDurationMs)}, by ${dueAt}.`
      : '';
  return `Rule ${evaluation.rule.id} allows ${who(person)} to take ${what(key)} ${describeWhen(key, time)}, with ${details.join(', ')}.${due}`;
}
