/**
 * Properties of decide() over generated small policies and contexts: what must hold whatever the policy says.
 */
import Holidays from 'date-holidays';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import { type Decision, type DecisionContext, decide } from './decide.js';
import { type ConditionsFile, FACTOR_KINDS, type FactorKind } from './policy-file.js';
import { DEFAULT_PEOPLE, type PolicySpec, policyFileOf, type RuleSpec } from './test-policies.js';
import { validatePolicy } from './validate-policy.js';

const PEOPLE = DEFAULT_PEOPLE.map((person) => person.id);
const ROLES = ['officer', 'sergeant', 'manager', 'technician'];
const GROUPS = ['cars', 'tools', 'vault'];
const KEYS: Record<string, string> = { 'car-1': 'cars', 'car-2': 'cars', drill: 'tools', 'vault-1': 'vault' };
const REASONS = ['swap', 'incident', 'repair'];
const ZONES = ['America/Chicago', 'Australia/Sydney', 'Asia/Kathmandu', 'Europe/Berlin'];
const SCHEDULES = {
  night: { mon: ['18:00-07:00'], tue: ['18:00-07:00'], wed: ['18:00-07:00'], sun: ['22:00-06:00'] },
  'late-week': { thu: ['00:00-24:00'], fri: ['06:00-14:00'], sat: ['10:00-12:00'] },
};
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2027, 11, 31);

const subset = <T>(items: readonly T[]) => fc.subarray([...items]);
const nonEmptySubset = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });

/** Absent three times in four, so that generated rules are often met and allows are common enough. */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 });

const conditionsArb: fc.Arbitrary<ConditionsFile> = fc
  .record({
    factors: sometimes(fc.integer({ min: 1, max: 3 })),
    factorKinds: sometimes(nonEmptySubset(FACTOR_KINDS)),
    reason: sometimes(fc.constantFrom('required' as const, 'optional' as const)),
    reasons: sometimes(subset(REASONS)),
    approval: sometimes(fc.constantFrom('none', 'supervisor', 'role:sergeant', 'role:manager')),
    witness: sometimes(
      fc.oneof(
        fc.boolean(),
        fc.constant({ roles: ['sergeant'] as string[] }),
        fc.constant({ roles: ['manager', 'officer'] as string[] }),
      ),
    ),
    maxDuration: sometimes(fc.constantFrom('30m', '2h', '12h', '1d6h')),
    maxKeysOut: sometimes(fc.integer({ min: 1, max: 3 })),
  })
  .map((conditions) => Object.fromEntries(Object.entries(conditions).filter(([, v]) => v !== undefined)));

const ruleArb = (id: string): fc.Arbitrary<RuleSpec> =>
  fc.record(
    {
      id: fc.constant(id),
      who: fc
        .record({ roles: subset(ROLES), people: subset(PEOPLE) }, { requiredKeys: [] })
        .filter((who) => (who.roles?.length ?? 0) + (who.people?.length ?? 0) > 0),
      keys: fc
        .record({ groups: subset(GROUPS), keys: subset(Object.keys(KEYS)) }, { requiredKeys: [] })
        .filter((keys) => (keys.groups?.length ?? 0) + (keys.keys?.length ?? 0) > 0),
      when: fc.constantFrom('always', 'business-hours', 'after-hours', 'night', 'late-week'),
      require: conditionsArb,
      afterHours: conditionsArb,
    },
    { requiredKeys: ['id', 'who', 'keys', 'when'] },
  );

const specArb: fc.Arbitrary<PolicySpec> = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    holidays: fc.constantFrom(undefined, { country: 'US', region: 'TX' }, { country: 'AU', region: 'NSW' }),
    defaults: fc.option(conditionsArb, { nil: undefined }),
    rules: fc
      .integer({ min: 1, max: 6 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(`r${i}`)))),
  })
  .map(({ timezone, holidays, defaults, rules }) => ({
    timezone,
    ...(holidays ? { holidays } : {}),
    ...(defaults ? { defaults } : {}),
    schedules: SCHEDULES,
    rules,
  }));

const contextArb: fc.Arbitrary<DecisionContext> = fc.record(
  {
    // Often every kind, so that enough decisions are allows for the properties about allows.
    factors: fc.oneof(fc.constant([...FACTOR_KINDS]), subset(FACTOR_KINDS)),
    reason: fc.constantFrom<string | null>(null, ...REASONS),
    approver: fc.constantFrom(...PEOPLE),
    witness: fc.constantFrom(...PEOPLE),
    keysOut: fc.oneof(
      { arbitrary: fc.constant(0), weight: 2 },
      { arbitrary: fc.integer({ min: 0, max: 4 }), weight: 1 },
    ),
  },
  { requiredKeys: [] },
);

const caseArb = fc.record({
  spec: specArb,
  // The inactive p-ivy less often than the others.
  person: fc.oneof(
    { arbitrary: fc.constantFrom(...PEOPLE.filter((id) => id !== 'p-ivy')), weight: 9 },
    fc.constant('p-ivy'),
  ),
  key: fc.constantFrom(...Object.keys(KEYS)),
  instant: fc.integer({ min: FROM, max: TO }),
  context: contextArb,
});

function decideCase(
  spec: PolicySpec,
  person: string,
  key: string,
  instant: number,
  context: DecisionContext,
): Decision {
  return decide(compilePolicy(policyFileOf(spec)), person, key, instant, context);
}

/** Whether a rule names the person (or a role of theirs) and the key (or its group), by the format's words. */
function ruleMatches(rule: RuleSpec, person: string, key: string): boolean {
  const roles = DEFAULT_PEOPLE.find((p) => p.id === person)?.roles ?? [];
  const who = rule.who?.people?.includes(person) || rule.who?.roles?.some((role) => roles.includes(role));
  const what = rule.keys?.keys?.includes(key) || rule.keys?.groups?.includes(KEYS[key] ?? '');
  return Boolean(who && what);
}

const RUNS = { numRuns: 300 };

describe('decide() properties', () => {
  it('never turns allow into needs or deny when a factor is added', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.constantFrom(...FACTOR_KINDS),
        ({ spec, person, key, instant, context }, extra) => {
          const policy = compilePolicy(policyFileOf(spec));
          const before = decide(policy, person, key, instant, context);
          const factors: FactorKind[] = [...(context.factors ?? []), extra];
          const after = decide(policy, person, key, instant, { ...context, factors });
          if (before.outcome === 'allow') expect(after.outcome).toBe('allow');
          // Factors play no part in a deny: it stays the same deny.
          if (before.outcome === 'deny') expect(after).toMatchObject({ outcome: 'deny', code: before.code });
        },
      ),
      RUNS,
    );
  });

  it('never turns allow into deny (or needs) when a known approver or witness is added', () => {
    const withoutHelpers = contextArb.map(({ approver: _a, witness: _w, ...rest }) => rest);
    fc.assert(
      fc.property(
        caseArb,
        withoutHelpers,
        fc.constantFrom(...PEOPLE),
        fc.constantFrom('approver' as const, 'witness' as const),
        ({ spec, person, key, instant }, context, helper, field) => {
          const policy = compilePolicy(policyFileOf(spec));
          const before = decide(policy, person, key, instant, context);
          const after = decide(policy, person, key, instant, { ...context, [field]: helper });
          if (before.outcome === 'allow') expect(after.outcome).toBe('allow');
          // Nor does a helper who is not needed ever bring a deny.
          if (before.outcome !== 'deny') expect(after.outcome).not.toBe('deny');
        },
      ),
      RUNS,
    );
  });

  it('never reports afterHours for an instant inside business hours on a day that is not a public holiday', () => {
    const holidayDates = new Map<string, Set<string>>();
    const isHoliday = (country: string, region: string, date: string): boolean => {
      const id = `${country}-${region}-${date.slice(0, 4)}`;
      let dates = holidayDates.get(id);
      if (!dates) {
        const source = new Holidays(country, region, { types: ['public'] });
        dates = new Set(source.getHolidays(Number(date.slice(0, 4))).map((h) => h.date.slice(0, 10)));
        holidayDates.set(id, dates);
      }
      return dates.has(date);
    };
    fc.assert(
      fc.property(
        caseArb,
        fc.integer({ min: 0, max: 729 }),
        fc.integer({ min: 9 * 60, max: 17 * 60 - 1 }),
        ({ spec, person, key, context }, dayOffset, minute) => {
          const zone = spec.timezone ?? 'America/Chicago';
          const day = DateTime.fromObject({ year: 2026, month: 1, day: 1 }, { zone }).plus({
            days: dayOffset,
          });
          fc.pre(day.weekday <= 5);
          const date = day.toISODate() ?? '';
          if (spec.holidays?.country)
            fc.pre(!isHoliday(spec.holidays.country, spec.holidays.region ?? '', date));
          const local = day.set({ hour: Math.floor(minute / 60), minute: minute % 60 });
          // A wall time that a daylight-saving change skipped is not inside business hours.
          fc.pre(local.hour * 60 + local.minute === minute);
          const decision = decideCase(spec, person, key, local.toMillis(), context);
          expect(decision.afterHours).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it('gives the same decision when rules that do not match the person and key are reordered', () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.array(fc.double({ noNaN: true }), { minLength: 6, maxLength: 6 }),
        ({ spec, person, key, instant, context }, sortKeys) => {
          const matching = spec.rules.filter((rule) => ruleMatches(rule, person, key));
          // Shuffle every rule, then put the matching ones back in their own order in the slots they landed in.
          const shuffled = spec.rules
            .map((rule, i) => ({ rule, sortKey: sortKeys[i] ?? 0 }))
            .sort((a, b) => a.sortKey - b.sortKey)
            .map(({ rule }) => rule);
          let next = 0;
          const reordered = shuffled.map((rule) =>
            ruleMatches(rule, person, key) ? (matching[next++] as RuleSpec) : rule,
          );
          const before = decideCase(spec, person, key, instant, context);
          const after = decideCase({ ...spec, rules: reordered }, person, key, instant, context);
          expect(after).toEqual(before);
        },
      ),
      RUNS,
    );
  });

  it('changes the decision only through rules that match when rules are reordered (sanity of the matcher)', () => {
    // The property above is only meaningful if ruleMatches agrees with the compiled policy.
    fc.assert(
      fc.property(caseArb, ({ spec, person, key }) => {
        const policy = compilePolicy(policyFileOf(spec));
        const person_ = policy.people.get(person);
        const key_ = policy.keys.get(key);
        const compiled = spec.rules
          .map((rule, position) => ({ rule, position }))
          .filter(
            ({ position }) =>
              person_?.rulePositions.includes(position) && key_?.rulePositions.includes(position),
          )
          .map(({ rule }) => rule.id);
        expect(compiled).toEqual(
          spec.rules.filter((rule) => ruleMatches(rule, person, key)).map((rule) => rule.id),
        );
      }),
      RUNS,
    );
  });

  it('is deterministic: the same question gets the same answer, from the same or a fresh compilation', () => {
    fc.assert(
      fc.property(caseArb, ({ spec, person, key, instant, context }) => {
        const policy = compilePolicy(policyFileOf(spec));
        const first = decide(policy, person, key, instant, context);
        expect(decide(policy, person, key, instant, context)).toEqual(first);
        expect(decideCase(spec, person, key, instant, context)).toEqual(first);
        expect(decide(policy, person, key, new Date(instant), context)).toEqual(first);
      }),
      RUNS,
    );
  });

  it('always gives allow a rule and no missing or code, needs a non-empty missing, and deny a code', () => {
    fc.assert(
      fc.property(caseArb, ({ spec, person, key, instant, context }) => {
        const decision = decideCase(spec, person, key, instant, context);
        expect(decision.explanation.length).toBeGreaterThan(0);
        switch (decision.outcome) {
          case 'allow':
            expect(decision.rule).toMatch(/^r\d$/);
            expect(decision.missing).toBeUndefined();
            expect(decision.code).toBeUndefined();
            if (decision.dueAt !== null) expect(Date.parse(decision.dueAt)).toBeGreaterThan(instant);
            break;
          case 'needs':
            expect(decision.rule).toMatch(/^r\d$/);
            expect(Object.keys(decision.missing ?? {}).length).toBeGreaterThan(0);
            expect(decision.code).toBeUndefined();
            expect(decision.dueAt).toBeNull();
            if (decision.missing?.factors !== undefined) {
              expect(decision.missing.factors).toBeGreaterThan(0);
              for (const kind of decision.missing.factorKinds ?? [])
                expect(context.factors ?? []).not.toContain(kind);
              // Only a rule that can never be met (which validation refuses) lacks kinds that would count.
              if (validatePolicy(policyFileOf(spec)).policy)
                expect(decision.missing.factorKinds?.length ?? 0).toBeGreaterThanOrEqual(
                  decision.missing.factors,
                );
            }
            break;
          case 'deny':
            expect(decision.code).toMatch(
              /^(person_inactive|no_rule|outside_hours|max_keys_out|reason_not_allowed)$/,
            );
            expect(decision.missing).toBeUndefined();
            expect(decision.dueAt).toBeNull();
            break;
        }
      }),
      RUNS,
    );
  });

  it('allows only when the allowing rule matches the person and key', () => {
    fc.assert(
      fc.property(caseArb, ({ spec, person, key, instant, context }) => {
        const decision = decideCase(spec, person, key, instant, context);
        if (decision.outcome === 'allow' || decision.outcome === 'needs') {
          const rule = spec.rules.find((r) => r.id === decision.rule);
          expect(rule && ruleMatches(rule, person, key)).toBe(true);
        }
        if (decision.code === 'no_rule')
          expect(spec.rules.some((r) => ruleMatches(r, person, key))).toBe(false);
      }),
      RUNS,
    );
  });
});
