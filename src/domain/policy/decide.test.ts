/**
 * The "Deciding" section of policy-format.md, sentence by sentence, and the order in which condition
 * blocks override each other. Each test names the behaviour it protects.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledPolicy } from './compile-policy.js';
import { type Decision, type DecisionContext, DecisionInputError, decide } from './decide.js';
import type { FactorKind } from './policy-file.js';
import { at, compileRiverside, compileTestPolicy, type PolicySpec } from './test-policies.js';

/** Wednesday 2026-03-04 10:00 in Chicago: business hours (Mon-Fri 09:00-17:00). */
const BUSINESS = at('2026-03-04T10:00');
/** Wednesday 2026-03-04 20:00 in Chicago: after hours. */
const AFTER = at('2026-03-04T20:00');
/** Saturday 2026-03-07 10:00: after hours, a day with no business hours. */
const WEEKEND = at('2026-03-07T10:00');

const ALL_KINDS: FactorKind[] = ['pin', 'badge', 'fingerprint', 'totp'];

function policyOf(spec: PolicySpec): CompiledPolicy {
  return compileTestPolicy(spec);
}

/** Decides for p-olga (an officer, supervised by p-sam) and car-1 unless told otherwise. */
function decideFor(
  spec: PolicySpec,
  instant: number,
  context: DecisionContext = {},
  person = 'p-olga',
  key = 'car-1',
): Decision {
  return decide(policyOf(spec), person, key, instant, context);
}

const ONE_RULE: PolicySpec = { rules: [{ id: 'officers-cars' }] };
/**
 * A rule for someone else's keys that allows every reason, so that a policy whose car rules restrict
 * reasons still passes validation ("reason allowed by no rule"). It never matches p-olga and the cars.
 */
const TOM_TOOLS = { id: 'tom-tools', who: { people: ['p-tom'] }, keys: { groups: ['tools'] } };
const PIN: DecisionContext = { factors: ['pin'] };

describe('1. inactive, unknown people and keys', () => {
  it('denies an inactive person with person_inactive before looking at rules', () => {
    const policy = policyOf(ONE_RULE);
    // p-ivy holds the officer role that the rule names, and presents everything.
    expect(decide(policy, 'p-ivy', 'car-1', BUSINESS, { factors: ALL_KINDS })).toMatchObject({
      outcome: 'deny',
      code: 'person_inactive',
      rule: null,
      dueAt: null,
    });
    // No rule names the vault for officers: still person_inactive, not no_rule.
    expect(decide(policy, 'p-ivy', 'vault-1', BUSINESS)).toMatchObject({
      outcome: 'deny',
      code: 'person_inactive',
    });
  });

  it('says in the explanation that the person is inactive', () => {
    expect(decide(policyOf(ONE_RULE), 'p-ivy', 'car-1', BUSINESS).explanation).toBe(
      'Ivy Inactive (p-ivy) is inactive and may take no key.',
    );
  });

  it.each([
    ['an unknown person', 'p-nobody', 'car-1', {}, 'unknown_person', 'unknown person "p-nobody"'],
    ['an unknown key', 'p-olga', 'car-999', {}, 'unknown_key', 'unknown key "car-999"'],
    [
      'an unknown approver',
      'p-olga',
      'car-1',
      { approver: 'p-x' },
      'unknown_approver',
      'unknown approver "p-x"',
    ],
    ['an unknown witness', 'p-olga', 'car-1', { witness: 'p-y' }, 'unknown_witness', 'unknown witness "p-y"'],
  ] as const)(
    'throws a DecisionInputError for %s instead of deciding',
    (_what, person, key, context, code, message) => {
      const policy = policyOf(ONE_RULE);
      const attempt = () => decide(policy, person, key, BUSINESS, context);
      expect(attempt).toThrow(DecisionInputError);
      expect(attempt).toThrow(message);
      try {
        attempt();
      } catch (error) {
        expect((error as DecisionInputError).code).toBe(code);
      }
    },
  );

  it('throws for an unknown key even when the person is inactive', () => {
    expect(() => decide(policyOf(ONE_RULE), 'p-ivy', 'car-999', BUSINESS)).toThrow(DecisionInputError);
  });

  it('treats an empty or null approver and witness as none given', () => {
    expect(decideFor(ONE_RULE, BUSINESS, { ...PIN, approver: '', witness: null }).outcome).toBe('allow');
  });

  it('refuses an instant that is not a time', () => {
    expect(() => decide(policyOf(ONE_RULE), 'p-olga', 'car-1', new Date('not a date'))).toThrow(RangeError);
    expect(() => decide(policyOf(ONE_RULE), 'p-olga', 'car-1', Number.NaN)).toThrow(RangeError);
  });

  it('takes the instant as a Date or as epoch milliseconds alike', () => {
    const policy = policyOf(ONE_RULE);
    expect(decide(policy, 'p-olga', 'car-1', new Date(AFTER), PIN)).toEqual(
      decide(policy, 'p-olga', 'car-1', AFTER, PIN),
    );
  });
});

describe('2. rules that match the person and the key', () => {
  it.each<[string, PolicySpec, string, string, Decision['outcome'], string | undefined]>([
    [
      'denies with no_rule when no rule names the person or their roles',
      ONE_RULE,
      'p-tom',
      'car-1',
      'deny',
      'no_rule',
    ],
    [
      'denies with no_rule when no rule names the key or its group',
      ONE_RULE,
      'p-olga',
      'drill',
      'deny',
      'no_rule',
    ],
    [
      'matches a rule that names the person directly',
      { rules: [{ id: 'tom-cars', who: { people: ['p-tom'] } }] },
      'p-tom',
      'car-1',
      'allow',
      undefined,
    ],
    [
      'matches a rule through any one of its roles or people',
      { rules: [{ id: 'mixed', who: { roles: ['sergeant'], people: ['p-tom'] } }] },
      'p-tom',
      'car-1',
      'allow',
      undefined,
    ],
    [
      'matches a rule that names the key directly',
      { rules: [{ id: 'car-2-only', keys: { keys: ['car-2'] } }] },
      'p-olga',
      'car-2',
      'allow',
      undefined,
    ],
    [
      'does not give the other keys of a group when a rule names one key',
      { rules: [{ id: 'car-2-only', keys: { keys: ['car-2'] } }] },
      'p-olga',
      'car-1',
      'deny',
      'no_rule',
    ],
    [
      'matches a rule through its group or its named keys',
      { rules: [{ id: 'mixed', keys: { groups: ['tools'], keys: ['car-2'] } }] },
      'p-olga',
      'drill',
      'allow',
      undefined,
    ],
    [
      'needs a rule that names both: the person from one rule and the key from another do not combine',
      {
        rules: [
          { id: 'officers-tools', keys: { groups: ['tools'] } },
          { id: 'tom-cars', who: { people: ['p-tom'] } },
        ],
      },
      'p-olga',
      'car-1',
      'deny',
      'no_rule',
    ],
  ])('%s', (_name, spec, person, key, outcome, code) => {
    const decision = decideFor(spec, BUSINESS, PIN, person, key);
    expect(decision.outcome).toBe(outcome);
    expect(decision.code).toBe(code);
  });

  it('gives no rule on no_rule and explains who asked for what', () => {
    const decision = decideFor(ONE_RULE, BUSINESS, PIN, 'p-tom', 'car-1');
    expect(decision.rule).toBeNull();
    expect(decision.explanation).toBe(
      'No rule gives Tom Technician (p-tom), technician, the key Car 1 (car-1, Cars).',
    );
  });
});

describe('3. rules whose `when` covers the instant', () => {
  const businessOnly: PolicySpec = { rules: [{ id: 'office', when: 'business-hours' }] };
  const afterOnly: PolicySpec = { rules: [{ id: 'night', when: 'after-hours' }] };
  const overnight: PolicySpec = {
    schedules: { 'sunday-night': { sun: ['22:00-06:00'] } },
    rules: [{ id: 'sunday-night-cars', when: 'sunday-night' }],
  };

  it.each<[string, PolicySpec, number, Decision['outcome'], string | undefined]>([
    ['allows a business-hours rule in business hours', businessOnly, BUSINESS, 'allow', undefined],
    [
      'denies a business-hours rule after hours with outside_hours',
      businessOnly,
      AFTER,
      'deny',
      'outside_hours',
    ],
    ['denies a business-hours rule at the weekend', businessOnly, WEEKEND, 'deny', 'outside_hours'],
    [
      'denies an after-hours rule in business hours with outside_hours',
      afterOnly,
      BUSINESS,
      'deny',
      'outside_hours',
    ],
    ['allows an after-hours rule after hours', afterOnly, AFTER, 'allow', undefined],
    ['allows an always rule at any time', ONE_RULE, WEEKEND, 'allow', undefined],
    // Sunday 2026-03-15 22:00 to Monday 2026-03-16 06:00.
    ['allows an overnight schedule before midnight', overnight, at('2026-03-15T23:00'), 'allow', undefined],
    [
      'allows an overnight schedule after midnight on the next day',
      overnight,
      at('2026-03-16T05:59'),
      'allow',
      undefined,
    ],
    ['denies an overnight schedule at its end', overnight, at('2026-03-16T06:00'), 'deny', 'outside_hours'],
    [
      'denies an overnight schedule before its start',
      overnight,
      at('2026-03-15T21:59'),
      'deny',
      'outside_hours',
    ],
    [
      'denies an overnight schedule on another night',
      overnight,
      at('2026-03-17T23:00'),
      'deny',
      'outside_hours',
    ],
  ])('%s', (_name, spec, instant, outcome, code) => {
    const decision = decideFor(spec, instant, { factors: ['pin', 'badge'], reason: 'swap' });
    expect(decision.outcome).toBe(outcome);
    expect(decision.code).toBe(code);
  });

  it('denies a business-hours rule on a public holiday', () => {
    const spec: PolicySpec = { ...businessOnly, holidays: { country: 'US', region: 'TX' } };
    // Thursday 2026-11-26, Thanksgiving, 10:00.
    expect(decideFor(spec, at('2026-11-26T10:00'), PIN)).toMatchObject({
      outcome: 'deny',
      code: 'outside_hours',
    });
  });

  it('evaluates a schedule in the timezone of the key site', () => {
    const spec: PolicySpec = {
      timezone: 'Asia/Kolkata',
      schedules: { morning: { mon: ['09:00-10:00'] } },
      rules: [{ id: 'morning-cars', when: 'morning' }],
    };
    expect(decideFor(spec, at('2026-03-16T09:30', 'Asia/Kolkata'), PIN).outcome).toBe('allow');
    expect(decideFor(spec, at('2026-03-16T09:30', 'America/Chicago'), PIN).code).toBe('outside_hours');
  });

  it('names the first matching rule on outside_hours and says when each rule applies', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'office', when: 'business-hours' },
        { id: 'office-2', when: 'business-hours' },
      ],
    };
    const decision = decideFor(spec, AFTER, PIN);
    expect(decision.rule).toBe('office');
    expect(decision.explanation).toContain(
      'rule office during business hours; rule office-2 during business hours',
    );
    expect(decision.explanation).toContain(
      'after hours at Headquarters (outside business hours), Wed 2026-03-04 20:00',
    );
  });

  it('goes on to a later rule whose `when` covers the instant', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'office', when: 'business-hours' },
        { id: 'night', when: 'after-hours' },
      ],
    };
    expect(decideFor(spec, AFTER, PIN)).toMatchObject({ outcome: 'allow', rule: 'night' });
    expect(decideFor(spec, BUSINESS, PIN)).toMatchObject({ outcome: 'allow', rule: 'office' });
  });
});

describe('4. maxKeysOut', () => {
  const limited = (maxKeysOut: number): PolicySpec => ({
    rules: [{ id: 'limited', require: { maxKeysOut } }],
  });

  it.each<[string, number, number, Decision['outcome'], string | undefined]>([
    ['allows a person who holds no key yet', 1, 0, 'allow', undefined],
    ['allows a person below the limit, counting this key', 2, 1, 'allow', undefined],
    ['denies with max_keys_out a person who holds exactly maxKeysOut keys', 2, 2, 'deny', 'max_keys_out'],
    ['denies with max_keys_out a person who holds more than maxKeysOut keys', 2, 5, 'deny', 'max_keys_out'],
  ])('%s', (_name, limit, keysOut, outcome, code) => {
    const decision = decideFor(limited(limit), BUSINESS, { ...PIN, keysOut });
    expect(decision.outcome).toBe(outcome);
    expect(decision.code).toBe(code);
  });

  it('counts a missing keysOut as none held', () => {
    expect(decideFor(limited(1), BUSINESS, PIN).outcome).toBe('allow');
  });

  it('names the limited rule and the count on max_keys_out', () => {
    const decision = decideFor(limited(2), BUSINESS, { ...PIN, keysOut: 2 });
    expect(decision.rule).toBe('limited');
    expect(decision.explanation).toBe(
      'Olga Officer (p-olga) already holds 2 keys; no rule for Car 1 (car-1, Cars) allows more than 2 at once. Return a key first.',
    );
  });

  it('lets another rule without the limit still allow', () => {
    const spec: PolicySpec = {
      rules: [{ id: 'limited', require: { maxKeysOut: 1 } }, { id: 'unlimited' }],
    };
    expect(decideFor(spec, BUSINESS, { ...PIN, keysOut: 7 })).toMatchObject({
      outcome: 'allow',
      rule: 'unlimited',
    });
    expect(decideFor(spec, BUSINESS, { ...PIN, keysOut: 0 })).toMatchObject({
      outcome: 'allow',
      rule: 'limited',
    });
  });

  it('lets another rule with a higher limit still allow', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'one', require: { maxKeysOut: 1 } },
        { id: 'three', require: { maxKeysOut: 3 } },
      ],
    };
    expect(decideFor(spec, BUSINESS, { ...PIN, keysOut: 2 })).toMatchObject({
      outcome: 'allow',
      rule: 'three',
    });
    expect(decideFor(spec, BUSINESS, { ...PIN, keysOut: 3 })).toMatchObject({
      outcome: 'deny',
      code: 'max_keys_out',
    });
  });

  it('applies a limit from defaults.afterHours only after hours', () => {
    const spec: PolicySpec = { defaults: { maxKeysOut: 1 }, rules: [{ id: 'cars' }] };
    expect(decideFor(spec, BUSINESS, { ...PIN, keysOut: 3 }).outcome).toBe('allow');
    expect(decideFor(spec, AFTER, { ...PIN, keysOut: 1 })).toMatchObject({
      outcome: 'deny',
      code: 'max_keys_out',
    });
  });

  it('ignores rules whose `when` does not cover the instant when counting keys', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'office-unlimited', when: 'business-hours' },
        { id: 'limited', require: { maxKeysOut: 1 } },
      ],
    };
    expect(decideFor(spec, AFTER, { ...PIN, keysOut: 1 })).toMatchObject({
      outcome: 'deny',
      code: 'max_keys_out',
    });
  });

  it('decides max_keys_out before looking at the reason', () => {
    const spec: PolicySpec = {
      rules: [{ id: 'limited', require: { maxKeysOut: 1, reasons: ['swap'] } }, TOM_TOOLS],
    };
    expect(decideFor(spec, BUSINESS, { ...PIN, keysOut: 1, reason: 'repair' }).code).toBe('max_keys_out');
  });
});

describe('5. reasons, met rules and dueAt', () => {
  it('denies with reason_not_allowed a reason that no rule left allows', () => {
    const spec: PolicySpec = {
      rules: [{ id: 'swaps', require: { reasons: ['swap', 'incident'] } }, TOM_TOOLS],
    };
    const decision = decideFor(spec, BUSINESS, { ...PIN, reason: 'repair' });
    expect(decision).toMatchObject({ outcome: 'deny', code: 'reason_not_allowed', rule: 'swaps' });
    expect(decision.explanation).toBe(
      'The reason "Reason repair" (repair) does not allow Car 1 (car-1, Cars); allowed: Reason swap (swap), Reason incident (incident).',
    );
  });

  it('lets a rule without `reasons` allow every reason of the policy', () => {
    for (const reason of ['swap', 'incident', 'repair']) {
      expect(decideFor(ONE_RULE, BUSINESS, { ...PIN, reason }).outcome).toBe('allow');
    }
  });

  it('denies with reason_not_allowed a reason the policy does not know, even under a rule without `reasons`', () => {
    const decision = decideFor(ONE_RULE, BUSINESS, { ...PIN, reason: 'banana' });
    expect(decision).toMatchObject({ outcome: 'deny', code: 'reason_not_allowed' });
    expect(decision.explanation).toBe(
      '"banana" is not a reason code of this policy (known: swap, incident, repair).',
    );
  });

  it('treats an empty or null reason as no reason', () => {
    expect(decideFor(ONE_RULE, BUSINESS, { ...PIN, reason: '' }).outcome).toBe('allow');
    expect(decideFor(ONE_RULE, BUSINESS, { ...PIN, reason: null }).outcome).toBe('allow');
    const required: PolicySpec = { rules: [{ id: 'why', require: { reason: 'required' } }] };
    expect(decideFor(required, BUSINESS, { ...PIN, reason: '' })).toMatchObject({
      outcome: 'needs',
      missing: { reason: true },
    });
  });

  it('does not meet a rule that does not allow the given reason, and goes on to one that does', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'swaps', require: { reasons: ['swap'] } },
        { id: 'repairs', require: { reasons: ['repair'], maxDuration: '2h' } },
        TOM_TOOLS,
      ],
    };
    expect(decideFor(spec, BUSINESS, { ...PIN, reason: 'repair' })).toMatchObject({
      outcome: 'allow',
      rule: 'repairs',
    });
    expect(decideFor(spec, BUSINESS, { ...PIN, reason: 'swap' })).toMatchObject({
      outcome: 'allow',
      rule: 'swaps',
    });
  });

  it('only looks for the reason among the rules left after `when` and maxKeysOut', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'office-any-reason', when: 'business-hours' },
        { id: 'limited-any-reason', require: { maxKeysOut: 1 } },
        { id: 'swaps', require: { reasons: ['swap'] } },
      ],
    };
    expect(decideFor(spec, AFTER, { ...PIN, keysOut: 1, reason: 'repair' })).toMatchObject({
      outcome: 'deny',
      code: 'reason_not_allowed',
      rule: 'swaps',
    });
    expect(decideFor(spec, AFTER, { ...PIN, keysOut: 0, reason: 'repair' }).rule).toBe('limited-any-reason');
  });

  it('restricts reasons set in `afterHours` only after hours', () => {
    const spec: PolicySpec = { rules: [{ id: 'cars', afterHours: { reasons: ['swap'] } }] };
    expect(decideFor(spec, BUSINESS, { ...PIN, reason: 'repair' }).outcome).toBe('allow');
    expect(decideFor(spec, AFTER, { ...PIN, reason: 'repair' }).code).toBe('reason_not_allowed');
    expect(decideFor(spec, AFTER, { ...PIN, reason: 'swap' }).outcome).toBe('allow');
  });

  it('gives allow by the first met rule in file order', () => {
    const first: PolicySpec = {
      rules: [
        { id: 'a', require: { maxDuration: '1h' } },
        { id: 'b', require: { maxDuration: '2h' } },
      ],
    };
    const second: PolicySpec = {
      rules: [
        { id: 'b', require: { maxDuration: '2h' } },
        { id: 'a', require: { maxDuration: '1h' } },
      ],
    };
    expect(decideFor(first, BUSINESS, PIN)).toMatchObject({
      outcome: 'allow',
      rule: 'a',
      dueAt: '2026-03-04T17:00:00.000Z',
    });
    expect(decideFor(second, BUSINESS, PIN)).toMatchObject({
      outcome: 'allow',
      rule: 'b',
      dueAt: '2026-03-04T18:00:00.000Z',
    });
  });

  it('passes over an earlier rule that is not met to a later one that is', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'strict', require: { factors: 2, maxDuration: '12h' } },
        { id: 'lenient', require: { maxDuration: '1h' } },
      ],
    };
    expect(decideFor(spec, BUSINESS, PIN)).toMatchObject({
      outcome: 'allow',
      rule: 'lenient',
      dueAt: '2026-03-04T17:00:00.000Z',
    });
    expect(decideFor(spec, BUSINESS, { factors: ['pin', 'totp'] })).toMatchObject({ rule: 'strict' });
  });

  it.each<[string, string | undefined, number, string | null]>([
    ['sets dueAt to the instant plus maxDuration', '90m', BUSINESS, '2026-03-04T17:30:00.000Z'],
    ['sets dueAt across days', '2d', BUSINESS, '2026-03-06T16:00:00.000Z'],
    // 20:00 CDT on Saturday 2026-10-31 is 01:00Z; 12 hours later is 13:00Z (07:00 CST), not 08:00 local.
    [
      'adds elapsed time, not wall-clock time, across a daylight-saving change',
      '12h',
      at('2026-10-31T20:00'),
      '2026-11-01T13:00:00.000Z',
    ],
    ['sets dueAt to null without maxDuration', undefined, BUSINESS, null],
  ])('%s', (_name, maxDuration, instant, dueAt) => {
    const spec: PolicySpec = { rules: [{ id: 'cars', require: maxDuration ? { maxDuration } : {} }] };
    expect(decideFor(spec, instant, PIN)).toMatchObject({ outcome: 'allow', dueAt });
  });

  it('explains an allow with the rule, what was presented and when the key is due', () => {
    const spec: PolicySpec = { rules: [{ id: 'cars', require: { maxDuration: '90m' } }] };
    expect(decideFor(spec, BUSINESS, { factors: ['pin', 'badge'], reason: 'swap' }).explanation).toBe(
      'Rule cars allows Olga Officer (p-olga) to take Car 1 (car-1, Cars) during business hours at Headquarters, ' +
        'Wed 2026-03-04 10:00 America/Chicago (UTC-06:00), with factors pin + badge, reason "Reason swap". ' +
        'Due back within 1 hour 30 minutes, by 2026-03-04T17:30:00.000Z.',
    );
  });
});

describe('6. needs: the missing conditions of the rule that misses fewest', () => {
  it('reports how many more distinct factor kinds are needed and which kinds would count', () => {
    const spec: PolicySpec = { rules: [{ id: 'three', require: { factors: 3 } }] };
    expect(decideFor(spec, BUSINESS, { factors: ['badge'] })).toEqual({
      outcome: 'needs',
      missing: { factors: 2, factorKinds: ['pin', 'fingerprint', 'totp'] },
      rule: 'three',
      afterHours: false,
      dueAt: null,
      explanation: expect.stringContaining('2 more factors (pin, fingerprint or totp)'),
    });
  });

  it('asks for one factor of any kind when none was presented', () => {
    expect(decideFor(ONE_RULE, BUSINESS).missing).toEqual({ factors: 1, factorKinds: ALL_KINDS });
  });

  it('counts a factor kind presented twice once', () => {
    const spec: PolicySpec = { rules: [{ id: 'two', require: { factors: 2 } }] };
    expect(decideFor(spec, BUSINESS, { factors: ['pin', 'pin'] }).missing).toEqual({
      factors: 1,
      factorKinds: ['badge', 'fingerprint', 'totp'],
    });
  });

  it('counts only the kinds in factorKinds and lists only those not presented', () => {
    const spec: PolicySpec = {
      rules: [{ id: 'strong', require: { factors: 2, factorKinds: ['pin', 'fingerprint', 'totp'] } }],
    };
    expect(decideFor(spec, BUSINESS, { factors: ['pin', 'badge'] }).missing).toEqual({
      factors: 1,
      factorKinds: ['fingerprint', 'totp'],
    });
    expect(decideFor(spec, BUSINESS, { factors: ['badge'] }).missing).toEqual({
      factors: 2,
      factorKinds: ['pin', 'fingerprint', 'totp'],
    });
    expect(decideFor(spec, BUSINESS, { factors: ['totp', 'fingerprint'] }).outcome).toBe('allow');
  });

  it('does not let a factor outside factorKinds count towards a single required factor', () => {
    const spec: PolicySpec = { rules: [{ id: 'finger', require: { factorKinds: ['fingerprint'] } }] };
    expect(decideFor(spec, BUSINESS, { factors: ['pin', 'badge', 'totp'] }).missing).toEqual({
      factors: 1,
      factorKinds: ['fingerprint'],
    });
  });

  it('picks the rule that misses the fewest conditions', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'heavy', require: { factors: 2, approval: 'supervisor', witness: true } },
        { id: 'light', require: { reason: 'required' } },
      ],
    };
    expect(decideFor(spec, BUSINESS, PIN)).toMatchObject({
      outcome: 'needs',
      rule: 'light',
      missing: { reason: true },
    });
    expect(decideFor(spec, BUSINESS, PIN).missing).toEqual({ reason: true });
  });

  it('breaks a tie between rules that miss as many conditions by file order', () => {
    const factorsFirst: PolicySpec = {
      rules: [
        { id: 'factors', require: { factors: 2 } },
        { id: 'reason', require: { reason: 'required' } },
      ],
    };
    const reasonFirst: PolicySpec = { rules: [...factorsFirst.rules].reverse() };
    expect(decideFor(factorsFirst, BUSINESS, PIN)).toMatchObject({
      rule: 'factors',
      missing: { factors: 1 },
    });
    expect(decideFor(reasonFirst, BUSINESS, PIN)).toMatchObject({
      rule: 'reason',
      missing: { reason: true },
    });
  });

  it('reports every missing condition of the chosen rule at once', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'all', require: { factors: 2, reason: 'required', approval: 'role:sergeant', witness: true } },
      ],
    };
    const decision = decideFor(spec, BUSINESS, PIN);
    expect(decision.missing).toEqual({
      factors: 1,
      factorKinds: ['badge', 'fingerprint', 'totp'],
      reason: true,
      approval: 'role:sergeant',
      witness: true,
    });
    expect(decision.code).toBeUndefined();
    expect(decision.explanation).toBe(
      'Rule all can give Olga Officer (p-olga) Car 1 (car-1, Cars) during business hours at Headquarters, ' +
        'Wed 2026-03-04 10:00 America/Chicago (UTC-06:00), once it has: 1 more factor (badge, fingerprint or totp), ' +
        'a reason (swap, incident or repair), approval by a sergeant, a witness who could take this key.',
    );
  });

  it('only considers rules that allow the given reason', () => {
    const spec: PolicySpec = {
      rules: [
        { id: 'swaps-easy', require: { reasons: ['swap'] } },
        { id: 'repairs-hard', require: { reasons: ['repair'], factors: 3 } },
        TOM_TOOLS,
      ],
    };
    expect(decideFor(spec, BUSINESS, { ...PIN, reason: 'repair' })).toMatchObject({
      outcome: 'needs',
      rule: 'repairs-hard',
      missing: { factors: 2 },
    });
  });
});

describe('conditions: require, then defaults.afterHours, then the rule afterHours', () => {
  it('uses require alone in business hours, ignoring defaults.afterHours and the rule afterHours', () => {
    const spec: PolicySpec = {
      defaults: { factors: 2, reason: 'required', approval: 'supervisor', maxDuration: '12h' },
      rules: [{ id: 'cars', require: { maxDuration: '8h' }, afterHours: { factors: 3, witness: true } }],
    };
    expect(decideFor(spec, BUSINESS, PIN)).toMatchObject({
      outcome: 'allow',
      dueAt: '2026-03-05T00:00:00.000Z',
    });
  });

  it('lets defaults.afterHours override require after hours', () => {
    const spec: PolicySpec = { defaults: { factors: 2 }, rules: [{ id: 'cars', require: { factors: 1 } }] };
    expect(decideFor(spec, AFTER, PIN).missing).toEqual({
      factors: 1,
      factorKinds: ['badge', 'fingerprint', 'totp'],
    });
    expect(decideFor(spec, BUSINESS, PIN).outcome).toBe('allow');
  });

  it('lets the rule afterHours override defaults.afterHours', () => {
    const spec: PolicySpec = {
      defaults: { factors: 2 },
      rules: [{ id: 'cars', afterHours: { factors: 3 } }],
    };
    expect(decideFor(spec, AFTER, { factors: ['pin', 'badge'] }).missing).toMatchObject({ factors: 1 });
    expect(decideFor(spec, AFTER, { factors: ['pin', 'badge', 'totp'] }).outcome).toBe('allow');
  });

  it('overrides field by field: defaults fields the rule afterHours does not set still apply', () => {
    const spec: PolicySpec = {
      defaults: { factors: 2, reason: 'required' },
      rules: [{ id: 'cars', afterHours: { reasons: ['swap'] } }],
    };
    expect(decideFor(spec, AFTER, PIN).missing).toEqual({
      factors: 1,
      factorKinds: ['badge', 'fingerprint', 'totp'],
      reason: true,
    });
    expect(decideFor(spec, AFTER, { factors: ['pin', 'badge'], reason: 'swap' }).outcome).toBe('allow');
    expect(decideFor(spec, AFTER, { factors: ['pin', 'badge'], reason: 'repair' }).code).toBe(
      'reason_not_allowed',
    );
  });

  it('keeps require fields that nothing later sets after hours', () => {
    const spec: PolicySpec = {
      defaults: { factors: 2 },
      rules: [
        {
          id: 'cars',
          require: { maxDuration: '12h', maxKeysOut: 1, factorKinds: ['pin', 'badge', 'fingerprint'] },
        },
      ],
    };
    expect(decideFor(spec, AFTER, { factors: ['pin', 'badge'] })).toMatchObject({
      outcome: 'allow',
      dueAt: '2026-03-05T14:00:00.000Z',
    });
    expect(decideFor(spec, AFTER, { factors: ['pin', 'totp'] }).missing).toEqual({
      factors: 1,
      factorKinds: ['badge', 'fingerprint'],
    });
    expect(decideFor(spec, AFTER, { factors: ['pin', 'badge'], keysOut: 1 }).code).toBe('max_keys_out');
  });

  it('lets the rule afterHours override require directly when defaults are silent', () => {
    const spec: PolicySpec = {
      rules: [{ id: 'cars', require: { maxDuration: '8h' }, afterHours: { maxDuration: '4h' } }],
    };
    expect(decideFor(spec, BUSINESS, PIN).dueAt).toBe('2026-03-05T00:00:00.000Z');
    expect(decideFor(spec, AFTER, PIN).dueAt).toBe('2026-03-05T06:00:00.000Z');
  });

  it('lets a later maxDuration from defaults.afterHours replace a shorter one in require', () => {
    const spec: PolicySpec = {
      defaults: { maxDuration: '12h' },
      rules: [{ id: 'cars', require: { maxDuration: '1h' } }],
    };
    expect(decideFor(spec, BUSINESS, PIN).dueAt).toBe('2026-03-04T17:00:00.000Z');
    expect(decideFor(spec, AFTER, PIN).dueAt).toBe('2026-03-05T14:00:00.000Z');
  });

  it('lets the rule afterHours switch off a witness, an approval or a required reason from the defaults', () => {
    const spec: PolicySpec = {
      defaults: { witness: true, approval: 'supervisor', reason: 'required' },
      rules: [
        {
          id: 'relaxed',
          keys: { keys: ['car-1'] },
          afterHours: { witness: false, approval: 'none', reason: 'optional' },
        },
        { id: 'strict', keys: { keys: ['car-2'] } },
      ],
    };
    expect(decideFor(spec, AFTER, PIN)).toMatchObject({ outcome: 'allow', rule: 'relaxed' });
    expect(decideFor(spec, AFTER, PIN, 'p-olga', 'car-2').missing).toEqual({
      reason: true,
      approval: 'supervisor',
      witness: true,
    });
  });

  it('lets the rule afterHours replace a witness requirement of require', () => {
    const spec: PolicySpec = {
      rules: [{ id: 'cars', require: { witness: true }, afterHours: { witness: { roles: ['sergeant'] } } }],
    };
    // p-omar could take car-1, but after hours the witness must be a sergeant.
    expect(decideFor(spec, BUSINESS, { ...PIN, witness: 'p-omar' }).outcome).toBe('allow');
    expect(decideFor(spec, AFTER, { ...PIN, witness: 'p-omar' }).missing).toEqual({ witness: true });
    expect(decideFor(spec, AFTER, { ...PIN, witness: 'p-sam' }).outcome).toBe('allow');
  });

  it('applies the format defaults for missing fields: 1 factor, reason optional, no approval, no witness, no limits', () => {
    const policy = policyOf(ONE_RULE);
    for (const instant of [BUSINESS, AFTER]) {
      expect(
        decide(policy, 'p-olga', 'car-1', instant, { factors: ['totp'], keysOut: 10_000 }),
      ).toMatchObject({
        outcome: 'allow',
        rule: 'officers-cars',
        dueAt: null,
      });
      expect(
        decide(policy, 'p-olga', 'car-1', instant, { factors: ['badge'], reason: 'incident' }).outcome,
      ).toBe('allow');
      expect(decide(policy, 'p-olga', 'car-1', instant, {}).missing).toEqual({
        factors: 1,
        factorKinds: ALL_KINDS,
      });
    }
  });
});

describe('approval', () => {
  const supervisor: PolicySpec = { rules: [{ id: 'cars', require: { approval: 'supervisor' } }] };
  const sergeant: PolicySpec = {
    rules: [{ id: 'cars', who: { roles: ['officer', 'sergeant'] }, require: { approval: 'role:sergeant' } }],
  };

  it.each<[string, PolicySpec, string, string | undefined, Decision['outcome'], string | undefined]>([
    [
      "allows with the approval of the person's supervisor",
      supervisor,
      'p-olga',
      'p-sam',
      'allow',
      undefined,
    ],
    [
      'needs a supervisor approval when none is given',
      supervisor,
      'p-olga',
      undefined,
      'needs',
      'supervisor',
    ],
    ["does not count a supervisor's supervisor", supervisor, 'p-olga', 'p-mia', 'needs', 'supervisor'],
    ['does not count a peer', supervisor, 'p-olga', 'p-omar', 'needs', 'supervisor'],
    [
      'never lets a person approve their own checkout as supervisor',
      supervisor,
      'p-olga',
      'p-olga',
      'needs',
      'supervisor',
    ],
    ['allows with the approval of someone holding the role', sergeant, 'p-olga', 'p-sam', 'allow', undefined],
    ['does not count an approver without the role', sergeant, 'p-olga', 'p-omar', 'needs', 'role:sergeant'],
    ['does not count the supervisor without the role', sergeant, 'p-sam', 'p-mia', 'needs', 'role:sergeant'],
    [
      'never lets a role holder approve their own checkout',
      sergeant,
      'p-sam',
      'p-sam',
      'needs',
      'role:sergeant',
    ],
  ])('%s', (_name, spec, person, approver, outcome, missing) => {
    const decision = decideFor(spec, BUSINESS, { ...PIN, approver }, person);
    expect(decision.outcome).toBe(outcome);
    expect(decision.missing?.approval).toBe(missing);
  });

  it('says why a given approver does not count', () => {
    expect(decideFor(supervisor, BUSINESS, { ...PIN, approver: 'p-mia' }).explanation).toContain(
      "Mia Manager is not Olga Officer's supervisor",
    );
    expect(decideFor(supervisor, BUSINESS, { ...PIN, approver: 'p-olga' }).explanation).toContain(
      'Olga Officer cannot approve their own checkout',
    );
  });

  it('needs a supervisor approval that no one can give to a person without a supervisor', () => {
    const spec: PolicySpec = {
      rules: [{ id: 'cars', who: { roles: ['manager'] }, require: { approval: 'supervisor' } }],
    };
    const decision = decideFor(spec, BUSINESS, { ...PIN, approver: 'p-sam' }, 'p-mia');
    expect(decision.missing).toEqual({ approval: 'supervisor' });
    expect(decision.explanation).toContain('(Mia Manager has no supervisor on file)');
  });

  it('does not count an inactive approver', () => {
    const spec: PolicySpec = { rules: [{ id: 'cars', require: { approval: 'role:officer' } }] };
    expect(decideFor(spec, BUSINESS, { ...PIN, approver: 'p-ivy' }).missing).toEqual({
      approval: 'role:officer',
    });
    expect(decideFor(spec, BUSINESS, { ...PIN, approver: 'p-omar' }).outcome).toBe('allow');
  });

  it('ignores an approver when the rule needs no approval', () => {
    expect(decideFor(ONE_RULE, BUSINESS, { ...PIN, approver: 'p-omar' }).outcome).toBe('allow');
  });
});

describe('witness', () => {
  const eligible: PolicySpec = {
    rules: [
      { id: 'officers-cars', require: { witness: true } },
      { id: 'sergeants-office-cars', who: { roles: ['sergeant'] }, when: 'business-hours' },
      { id: 'tom-tools', who: { people: ['p-tom'] }, keys: { groups: ['tools'] } },
    ],
  };
  const sergeantWitness: PolicySpec = {
    rules: [
      { id: 'cars', who: { roles: ['officer', 'sergeant'] }, require: { witness: { roles: ['sergeant'] } } },
    ],
  };

  it.each<[string, PolicySpec, number, string, string | undefined, Decision['outcome']]>([
    ['allows with a witness who could take this key now', eligible, AFTER, 'p-olga', 'p-omar', 'allow'],
    ['needs a witness when none is given', eligible, AFTER, 'p-olga', undefined, 'needs'],
    ['does not count a witness whom no rule gives this key', eligible, AFTER, 'p-olga', 'p-tom', 'needs'],
    [
      'does not count a witness whose rules for this key do not cover the instant',
      eligible,
      AFTER,
      'p-olga',
      'p-sam',
      'needs',
    ],
    [
      'counts that witness when a rule of theirs covers the instant',
      eligible,
      BUSINESS,
      'p-olga',
      'p-sam',
      'allow',
    ],
    ['never lets a person witness their own checkout', eligible, AFTER, 'p-olga', 'p-olga', 'needs'],
    ['does not count an inactive witness', eligible, AFTER, 'p-olga', 'p-ivy', 'needs'],
    ['allows with a witness holding one of the roles', sergeantWitness, AFTER, 'p-olga', 'p-sam', 'allow'],
    ['does not count a witness without those roles', sergeantWitness, AFTER, 'p-olga', 'p-omar', 'needs'],
    [
      'never lets a role holder witness their own checkout',
      sergeantWitness,
      AFTER,
      'p-sam',
      'p-sam',
      'needs',
    ],
  ])('%s', (_name, spec, instant, person, witness, outcome) => {
    const decision = decideFor(spec, instant, { ...PIN, witness }, person);
    expect(decision.outcome).toBe(outcome);
    if (outcome === 'needs') expect(decision.missing).toEqual({ witness: true });
  });

  it('does not need a role witness to be able to take the key', () => {
    const spec: PolicySpec = { rules: [{ id: 'cars', require: { witness: { roles: ['manager'] } } }] };
    expect(decideFor(spec, AFTER, { ...PIN, witness: 'p-mia' }).outcome).toBe('allow');
  });

  it('does not count an inactive witness holding the role', () => {
    const spec: PolicySpec = {
      people: [
        { id: 'p-olga', name: 'Olga Officer', roles: ['officer'] },
        { id: 'p-mia', name: 'Mia Manager', roles: ['manager'] },
        { id: 'p-old', name: 'Old Sergeant', roles: ['sergeant'], active: false },
      ],
      rules: [{ id: 'cars', require: { witness: { roles: ['sergeant'] } } }],
    };
    const decision = decideFor(spec, AFTER, { ...PIN, witness: 'p-old' });
    expect(decision.missing).toEqual({ witness: true });
    expect(decision.explanation).toContain('witness Old Sergeant is inactive');
  });

  it('says why a given witness does not count', () => {
    expect(decideFor(eligible, AFTER, { ...PIN, witness: 'p-tom' }).explanation).toContain(
      'witness Tom Technician could not take Car 1 now',
    );
    expect(decideFor(sergeantWitness, AFTER, { ...PIN, witness: 'p-omar' }).explanation).toContain(
      'witness Omar Officer holds none of the roles sergeant',
    );
  });

  it('ignores a witness when the rule needs none', () => {
    expect(decideFor(ONE_RULE, AFTER, { ...PIN, witness: 'p-tom' }).outcome).toBe('allow');
  });
});

describe('the afterHours flag', () => {
  const spec: PolicySpec = {
    holidays: { country: 'US', region: 'TX', closed: ['2026-03-05'], open: ['2026-11-27'] },
    rules: [{ id: 'cars' }],
  };

  it.each<[string, number, boolean]>([
    ['is false in business hours', BUSINESS, false],
    ['is true outside business hours', AFTER, true],
    ['is true on a day without business hours', WEEKEND, true],
    ['is true during business hours on a public holiday', at('2026-11-26T10:00'), true],
    ['is true during business hours on a local closure', at('2026-03-05T10:00'), true],
    ['is false during business hours on an open day that cancels a holiday', at('2026-11-27T10:00'), false],
    ['is true outside business hours on an open day', at('2026-11-27T18:00'), true],
  ])('%s', (_name, instant, afterHours) => {
    expect(decideFor(spec, instant, PIN).afterHours).toBe(afterHours);
  });

  it('is reported on deny and needs decisions too', () => {
    expect(decideFor(spec, at('2026-11-26T10:00'), PIN, 'p-ivy').afterHours).toBe(true);
    expect(decideFor(spec, at('2026-11-26T10:00'), {}).afterHours).toBe(true);
    expect(decideFor(spec, BUSINESS, PIN, 'p-tom')).toMatchObject({ code: 'no_rule', afterHours: false });
  });

  it('names the holiday or closure in the explanation', () => {
    expect(decideFor(spec, at('2026-11-26T10:00'), PIN).explanation).toContain(
      'after hours at Headquarters (public holiday: Thanksgiving Day), Thu 2026-11-26 10:00',
    );
    expect(decideFor(spec, at('2026-03-05T10:00'), PIN).explanation).toContain(
      'after hours at Headquarters (local closure)',
    );
  });
});

describe('the Riverside example', () => {
  const riverside = compileRiverside();
  /** Friday 2026-11-27 02:30 in Chicago: the day after Thanksgiving, a public holiday in Texas. */
  const HOLIDAY_NIGHT = Date.parse('2026-11-27T08:30:00Z');
  /** Tuesday 2026-11-24 10:00 and 22:00 in Chicago. */
  const TUESDAY_MORNING = at('2026-11-24T10:00');
  const TUESDAY_NIGHT = at('2026-11-24T22:00');

  it('asks Dana Ruiz for two factors and a reason for car-101 on the holiday night', () => {
    const decision = decide(riverside, 'p-ruiz', 'car-101', HOLIDAY_NIGHT);
    expect(decision).toMatchObject({
      outcome: 'needs',
      rule: 'officers-patrol-cars',
      afterHours: true,
      dueAt: null,
      missing: { factors: 2, factorKinds: ALL_KINDS, reason: true },
    });
    expect(decision.explanation).toBe(
      'Rule officers-patrol-cars can give Dana Ruiz (p-ruiz) Patrol car 101 (car-101, Patrol vehicles) after hours at ' +
        'Central Station (public holiday: Day after Thanksgiving), Fri 2026-11-27 02:30 America/Chicago (UTC-06:00), ' +
        'once it has: 2 more factors (pin, badge, fingerprint or totp), a reason (vehicle-swap or incident-response).',
    );
  });

  it('allows Dana Ruiz car-101 with pin, badge and vehicle-swap, due 12 hours later', () => {
    expect(
      decide(riverside, 'p-ruiz', 'car-101', HOLIDAY_NIGHT, {
        factors: ['pin', 'badge'],
        reason: 'vehicle-swap',
      }),
    ).toMatchObject({
      outcome: 'allow',
      rule: 'officers-patrol-cars',
      afterHours: true,
      dueAt: '2026-11-27T20:30:00.000Z',
    });
  });

  it('refuses Dana Ruiz a reason the patrol-car rule does not allow after hours', () => {
    expect(
      decide(riverside, 'p-ruiz', 'car-101', HOLIDAY_NIGHT, {
        factors: ['pin', 'badge'],
        reason: 'emergency-repair',
      }),
    ).toMatchObject({ outcome: 'deny', code: 'reason_not_allowed', rule: 'officers-patrol-cars' });
  });

  it('refuses Dana Ruiz a second car while she holds one', () => {
    expect(
      decide(riverside, 'p-ruiz', 'car-102', HOLIDAY_NIGHT, {
        factors: ['pin', 'badge'],
        reason: 'vehicle-swap',
        keysOut: 1,
      }),
    ).toMatchObject({ outcome: 'deny', code: 'max_keys_out' });
  });

  it('lets Dana Ruiz take a car with one factor and no reason in business hours, due 12 hours later', () => {
    expect(decide(riverside, 'p-ruiz', 'car-101', TUESDAY_MORNING, { factors: ['pin'] })).toMatchObject({
      outcome: 'allow',
      afterHours: false,
      dueAt: '2026-11-25T04:00:00.000Z',
    });
  });

  it('treats the local closure on Christmas Eve as after hours', () => {
    expect(
      decide(riverside, 'p-ruiz', 'car-101', at('2026-12-24T10:00'), { factors: ['pin'] }),
    ).toMatchObject({
      outcome: 'needs',
      afterHours: true,
    });
  });

  it('denies the inactive Ana Lee', () => {
    expect(decide(riverside, 'p-lee', 'car-101', TUESDAY_MORNING, { factors: ['pin'] }).code).toBe(
      'person_inactive',
    );
  });

  it('denies an officer the armory with no_rule', () => {
    expect(
      decide(riverside, 'p-ruiz', 'armory-main', TUESDAY_MORNING, { factors: ['pin', 'badge'] }).code,
    ).toBe('no_rule');
  });

  it("lets Leila Haddad take the boiler-room key after hours with her supervisor's approval, due 4 hours later", () => {
    const context: DecisionContext = {
      factors: ['pin', 'badge'],
      reason: 'emergency-repair',
      approver: 'p-okafor',
    };
    expect(decide(riverside, 'p-haddad', 'boiler-room', TUESDAY_NIGHT, context)).toMatchObject({
      outcome: 'allow',
      rule: 'maintenance-facility',
      dueAt: '2026-11-25T08:00:00.000Z',
    });
    expect(
      decide(riverside, 'p-haddad', 'boiler-room', TUESDAY_NIGHT, { ...context, approver: 'p-chen' }).missing,
    ).toEqual({ approval: 'supervisor' });
  });

  it('opens the armory to Marcus Chen only with a witness who could take it', () => {
    const context: DecisionContext = { factors: ['pin', 'fingerprint'] };
    expect(
      decide(riverside, 'p-chen', 'armory-main', TUESDAY_MORNING, { ...context, witness: 'p-okafor' }),
    ).toMatchObject({
      outcome: 'allow',
      rule: 'armory-command',
      dueAt: '2026-11-24T17:00:00.000Z',
    });
    expect(
      decide(riverside, 'p-chen', 'armory-main', TUESDAY_MORNING, { ...context, witness: 'p-ruiz' }).missing,
    ).toEqual({ witness: true });
  });

  it('gives the armory the 12-hour after-hours duration of the defaults, which override its own 1h', () => {
    // require (1h), then defaults.afterHours (12h), then the rule's afterHours (none): the format's order.
    const decision = decide(riverside, 'p-chen', 'armory-main', TUESDAY_NIGHT, {
      factors: ['pin', 'fingerprint'],
      reason: 'incident-response',
      witness: 'p-okafor',
    });
    expect(decision).toMatchObject({ outcome: 'allow', dueAt: '2026-11-25T16:00:00.000Z' });
  });

  it('asks Sven Berg for three factors, the evidence reason and a sergeant or commander witness after hours', () => {
    expect(
      decide(riverside, 'p-berg', 'evidence-1', TUESDAY_NIGHT, { factors: ['pin', 'badge'] }).missing,
    ).toEqual({
      factors: 1,
      factorKinds: ['fingerprint', 'totp'],
      reason: true,
      witness: true,
    });
    expect(
      decide(riverside, 'p-berg', 'evidence-1', TUESDAY_NIGHT, {
        factors: ['pin', 'badge', 'totp'],
        reason: 'evidence-intake',
        witness: 'p-chen',
      }).outcome,
    ).toBe('allow');
  });

  it('gives Marcus Chen the facility keys on the night shift only', () => {
    const context: DecisionContext = { factors: ['pin', 'badge'], reason: 'emergency-repair' };
    expect(decide(riverside, 'p-chen', 'boiler-room', at('2026-11-23T20:00'), context)).toMatchObject({
      outcome: 'allow',
      rule: 'night-sergeants-facility',
    });
    expect(decide(riverside, 'p-chen', 'boiler-room', at('2026-11-23T12:00'), context)).toMatchObject({
      outcome: 'deny',
      code: 'outside_hours',
      rule: 'night-sergeants-facility',
    });
  });
});
