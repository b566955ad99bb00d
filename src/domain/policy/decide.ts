/**
 * The decision of ../shared/policy-format.md ("Deciding"): may this person take this key at this instant
 * with this context? Pure: no I/O, no clock; the instant is an argument.
 */
import type { SiteTime } from '../calendar/site-calendar.js';
import { MINUTES_PER_DAY } from '../calendar/weekly-windows.js';
import type { CompiledKey, CompiledPerson, CompiledPolicy, CompiledRule } from './compile-policy.js';
import type { Conditions } from './conditions.js';
import {
  explainAllow,
  explainMaxKeysOut,
  explainNeeds,
  explainNoRule,
  explainOutsideHours,
  explainPersonInactive,
  explainReasonNotAllowed,
} from './explain-decision.js';
import type { FactorKind } from './policy-file.js';

export interface DecisionContext {
  /** Factor kinds the person has presented (verified elsewhere). */
  factors?: readonly FactorKind[];
  reason?: string | null;
  /** Person id of whoever approved this checkout. */
  approver?: string | null;
  /** Person id of whoever signed in as witness. */
  witness?: string | null;
  /** Keys the person holds now. */
  keysOut?: number;
}

export type DenyCode =
  | 'person_inactive'
  | 'no_rule'
  | 'outside_hours'
  | 'max_keys_out'
  | 'reason_not_allowed';

export interface MissingConditions {
  factors?: number;
  factorKinds?: FactorKind[];
  reason?: true;
  approval?: string;
  witness?: true;
}

export interface Decision {
  outcome: 'allow' | 'needs' | 'deny';
  code?: DenyCode;
  missing?: MissingConditions;
  rule: string | null;
  afterHours: boolean;
  /** ISO 8601 UTC; set on allow when the rule limits the duration. */
  dueAt: string | null;
  explanation: string;
}

/** A request that names something the policy does not know: an error, not a decision. */
export class DecisionInputError extends Error {
  constructor(
    readonly code: 'unknown_person' | 'unknown_key' | 'unknown_approver' | 'unknown_witness',
    message: string,
  ) {
    super(message);
    this.name = 'DecisionInputError';
  }
}

/** What decide() learnt about one rule, passed to the explanations. */
export interface RuleEvaluation {
  rule: CompiledRule;
  conditions: Conditions;
  missing: MissingConditions;
  missingCount: number;
  /** Why an approver or witness who was given does not count. */
  notes: string[];
}

/**
 * Decides whether a person may take a key at an instant.
 * @example decide(compiled, 'p-ruiz', 'car-101', Date.parse('2026-11-27T08:30:00Z'), { factors: ['pin', 'badge'], reason: 'vehicle-swap' })
 *   // { outcome: 'allow', rule: 'officers-patrol-cars', afterHours: true, dueAt: '2026-11-27T20:30:00.000Z', ... }
 */
export function decide(
  policy: CompiledPolicy,
  personId: string,
  keyId: string,
  instant: number | Date,
  context: DecisionContext = {},
): Decision {
  const person = policy.people.get(personId);
  if (!person) throw new DecisionInputError('unknown_person', `unknown person "${personId}"`);
  const key = policy.keys.get(keyId);
  if (!key) throw new DecisionInputError('unknown_key', `unknown key "${keyId}"`);
  const approver = lookupHelper(policy, context.approver, 'unknown_approver', 'approver');
  const witness = lookupHelper(policy, context.witness, 'unknown_witness', 'witness');
  const instantMs = typeof instant === 'number' ? instant : instant.getTime();
  if (!Number.isFinite(instantMs)) throw new RangeError('the instant is not a valid time');

  const time = key.site.calendar.timeAt(instantMs);
  const afterHours = time.afterHours;
  if (!person.active) return denial(afterHours, 'person_inactive', null, explainPersonInactive(person));

  const matching = matchingRules(policy, person, key);
  if (matching.length === 0) return denial(afterHours, 'no_rule', null, explainNoRule(person, key));

  const inTime = matching.filter((rule) => ruleCovers(rule, time));
  if (inTime.length === 0)
    return denial(
      afterHours,
      'outside_hours',
      matching[0]?.id ?? null,
      explainOutsideHours(person, key, time, matching),
    );

  const keysOut = context.keysOut ?? 0;
  const open = inTime.filter((rule) => {
    const limit = conditionsAt(rule, afterHours).maxKeysOut;
    return limit === null || keysOut < limit;
  });
  if (open.length === 0) {
    const first = inTime[0] as CompiledRule;
    return denial(
      afterHours,
      'max_keys_out',
      first.id,
      explainMaxKeysOut(person, key, keysOut, conditionsAt(first, afterHours)),
    );
  }

  // An empty reason is no reason, as an empty approver or witness is nobody and as `reason: required` reads it.
  const reason = context.reason || null;
  let candidates = open;
  if (reason !== null) {
    const known = policy.reasons.has(reason);
    candidates = known
      ? open.filter((rule) => {
          const allowed = conditionsAt(rule, afterHours).reasons;
          return allowed === null || allowed.has(reason);
        })
      : [];
    if (candidates.length === 0) {
      const first = open[0] as CompiledRule;
      return denial(
        afterHours,
        'reason_not_allowed',
        first.id,
        explainReasonNotAllowed(policy, key, reason, known, open, afterHours),
      );
    }
  }

  let best: RuleEvaluation | null = null;
  for (const rule of candidates) {
    const evaluation = evaluateRule(policy, rule, person, key, time, context, approver, witness);
    if (evaluation.missingCount === 0) {
      const duration = evaluation.conditions.maxDurationMs;
      const dueAt = duration === null ? null : new Date(instantMs + duration).toISOString();
      return {
        outcome: 'allow',
        rule: rule.id,
        afterHours,
        dueAt,
        explanation: explainAllow(policy, person, key, time, evaluation, context, dueAt),
      };
    }
    if (best === null || evaluation.missingCount < best.missingCount) best = evaluation;
  }
  const fewest = best as RuleEvaluation;
  return {
    outcome: 'needs',
    missing: fewest.missing,
    rule: fewest.rule.id,
    afterHours,
    dueAt: null,
    explanation: explainNeeds(policy, person, key, time, fewest),
  };
}

// At module level, not a closure inside decide(): a closure per call is measurable on this hot path.
function denial(afterHours: boolean, code: DenyCode, rule: string | null, explanation: string): Decision {
  return { outcome: 'deny', code, rule, afterHours, dueAt: null, explanation };
}

function lookupHelper(
  policy: CompiledPolicy,
  id: string | null | undefined,
  code: 'unknown_approver' | 'unknown_witness',
  noun: string,
): CompiledPerson | null {
  if (id === null || id === undefined || id === '') return null;
  const person = policy.people.get(id);
  if (!person) throw new DecisionInputError(code, `unknown ${noun} "${id}"`);
  return person;
}

/** The conditions of a rule at a business-hours or after-hours instant. */
export function conditionsAt(rule: CompiledRule, afterHours: boolean): Conditions {
  return afterHours ? rule.afterHours : rule.businessHours;
}

/** Rules whose `who` names the person and whose `keys` names the key, in file order. */
export function matchingRules(
  policy: CompiledPolicy,
  person: CompiledPerson,
  key: CompiledKey,
): CompiledRule[] {
  const a = person.rulePositions;
  const b = key.rulePositions;
  const out: CompiledRule[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out.push(policy.rules[x] as CompiledRule);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Whether a rule's `when` covers an instant, given the key's site time there. */
export function ruleCovers(rule: CompiledRule, time: SiteTime): boolean {
  switch (rule.when.kind) {
    case 'always':
      return true;
    case 'business-hours':
      return !time.afterHours;
    case 'after-hours':
      return time.afterHours;
    case 'schedule':
      return rule.when.mask[time.local.weekday * MINUTES_PER_DAY + time.local.minuteOfDay] === 1;
  }
}

function evaluateRule(
  policy: CompiledPolicy,
  rule: CompiledRule,
  person: CompiledPerson,
  key: CompiledKey,
  time: SiteTime,
  context: DecisionContext,
  approver: CompiledPerson | null,
  witness: CompiledPerson | null,
): RuleEvaluation {
  const conditions = conditionsAt(rule, time.afterHours);
  const missing: MissingConditions = {};
  const notes: string[] = [];
  let missingCount = 0;

  const presented = context.factors ?? [];
  let counted = 0;
  const notPresented: FactorKind[] = [];
  for (const kind of conditions.factorKinds) {
    if (presented.includes(kind)) counted++;
    else notPresented.push(kind);
  }
  if (counted < conditions.factors) {
    missing.factors = conditions.factors - counted;
    missing.factorKinds = notPresented;
    missingCount++;
  }

  if (conditions.reasonRequired && !context.reason) {
    missing.reason = true;
    missingCount++;
  }

  const approval = conditions.approval;
  if (approval.kind !== 'none') {
    const problem = approverProblem(person, approver, approval.kind === 'role' ? approval.role : null);
    if (problem !== null) {
      missing.approval = approval.kind === 'role' ? `role:${approval.role}` : 'supervisor';
      if (problem) notes.push(problem);
      missingCount++;
    }
  }

  if (conditions.witness.kind !== 'none') {
    const problem = witnessProblem(policy, person, key, time, witness, conditions.witness);
    if (problem !== null) {
      missing.witness = true;
      if (problem) notes.push(problem);
      missingCount++;
    }
  }
  return { rule, conditions, missing, missingCount, notes };
}

/** null when the approver counts; otherwise why not ('' when none was given). */
function approverProblem(
  person: CompiledPerson,
  approver: CompiledPerson | null,
  role: string | null,
): string | null {
  if (!approver) return '';
  if (approver.id === person.id) return `${person.name} cannot approve their own checkout`;
  if (!approver.active) return `approver ${approver.name} is inactive`;
  if (role === null) {
    return person.supervisor === approver.id
      ? null
      : `${approver.name} is not ${person.name}'s supervisor${person.supervisor ? '' : ` (${person.name} has no supervisor on file)`}`;
  }
  return approver.roles.has(role) ? null : `approver ${approver.name} does not hold the role ${role}`;
}

/** null when the witness counts; otherwise why not ('' when none was given). */
function witnessProblem(
  policy: CompiledPolicy,
  person: CompiledPerson,
  key: CompiledKey,
  time: SiteTime,
  witness: CompiledPerson | null,
  requirement: Conditions['witness'],
): string | null {
  if (!witness) return '';
  if (witness.id === person.id) return `${person.name} cannot witness their own checkout`;
  if (!witness.active) return `witness ${witness.name} is inactive`;
  if (requirement.kind === 'roles') {
    return requirement.roles.some((role) => witness.roles.has(role))
      ? null
      : `witness ${witness.name} holds none of the roles ${requirement.roles.join(', ')}`;
  }
  const eligible = matchingRules(policy, witness, key).some((rule) => ruleCovers(rule, time));
  return eligible ? null : `witness ${witness.name} could not take ${key.label} now`;
}
