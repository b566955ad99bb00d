import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePolicyText } from './parse-policy.js';
import { formatPath, formatProblem, type PolicyProblem } from './problems.js';
import { policyFileOf, riversideText } from './test-policies.js';
import { validatePolicy } from './validate-policy.js';

/** `line path: message` of each problem, sorted, for exact comparison. */
function describeProblems(problems: PolicyProblem[]): [number | undefined, string, string][] {
  return problems
    .map((problem): [number | undefined, string, string] => [
      problem.line,
      formatPath(problem.path),
      problem.message,
    ])
    .sort(([la, pa], [lb, pb]) => (la ?? 0) - (lb ?? 0) || pa.localeCompare(pb));
}

/** A file with one or more of every kind of problem, each where nothing else hides it. */
const MANY_PROBLEMS = `policy:
  name: Broken policy
  owner: p-nobody  # unknown person
  reviewEveryDays: 180
defaults:
  afterHours:
    maxDuration: 2 hours  # bad duration
    approval: boss  # bad approval
sites:
  - id: central
    name: Central
    timezone: America/Chicgo  # unknown timezone
    businessHours:
      mon: ["07:00-18:00", "25:00-26:00"]  # bad window
      tue: ["09:00-09:00"]  # empty window
    holidays: { country: XX }  # unknown holiday country
  - id: north
    name: North
    timezone: America/Chicago
    holidays: { country: US, region: ZZ, closed: ["2026-02-30"] }  # unknown region, impossible date
  - id: central  # duplicate id
    name: Duplicate
    timezone: UTC
    opening: 9am  # unknown field
schedules:
  - { id: never, name: Never, windows: {} }  # a schedule with no window
  - id: late
    name: Late
    windows: { sun: ["22:00-30:00"] }  # bad window
cabinets:
  - { id: cab-a, site: central, name: Cabinet A, slots: 4 }
  - { id: cab-b, site: nowhere, name: Cabinet B, slots: 2 }  # unknown site
keyGroups:
  - { id: patrol-cars, name: Patrol cars }
  - { id: empty-group, name: Nothing here }
keys:
  - { id: car-1, label: Car 1, group: patrol-cars, cabinet: cab-a, slot: 1 }
  - { id: car-1, label: Car 1 again, group: patrol-cars, cabinet: cab-a, slot: 2 }  # duplicate id
  - { id: car-3, label: Car 3, group: patrol-cars, cabinet: cab-a, slot: two }  # wrong type
roles:
  - { id: officer, name: Officer }
people:
  - { id: p-a, name: A, roles: [officer], supervisor: p-b }  # supervisor cycle p-a -> p-b -> p-c -> p-a
  - { id: p-b, name: B, roles: [officer], supervisor: p-c }
  - { id: p-c, name: C, roles: [sergant], supervisor: p-a }  # unknown role
  - { id: p-d, name: D, roles: [officer], supervisor: p-d }  # own supervisor
  - { id: p-e, name: E, roles: officer }  # wrong type
reasons:
  - { id: vehicle-swap, label: Vehicle swap }
  - { id: orphan, label: Allowed by no rule }  # allowed by no rule
rules:
  - id: officers-cars
    who: { roles: [officer] }
    keys: { groups: [patrol-carz] }  # unknown key group
    when: always
    require: { reasons: [vehicle-swap], maxDuration: 12x, witness: { roles: [chief] } }  # bad duration, unknown role
    afterHours: { reasons: [vehicle-swap, teleport] }  # unknown reason
  - id: never-rule
    who: { roles: [officer] }
    keys: { groups: [patrol-cars] }
    when: never  # a schedule with no window: the rule never applies
    require: { reasons: [vehicle-swap] }
  - id: empty-group-rule
    who: { people: [p-a] }
    keys: { groups: [empty-group] }  # a group with no keys: the rule never applies
    when: sometimes  # unknown schedule
    require: { reasons: [vehicle-swap] }
extras: 1  # unknown top-level field
`;

describe('validatePolicy on the Riverside example', () => {
  // The example's only findings: its default 12h after-hours limit overrides three rules' shorter own limits.
  const LOOSER_AFTER_HOURS = [
    {
      path: ['rules', 2, 'afterHours'],
      severity: 'warning',
      message: expect.stringContaining('maxDuration 2h becomes 12h'),
    },
    {
      path: ['rules', 3, 'afterHours'],
      severity: 'warning',
      message: expect.stringContaining('maxDuration 1h becomes 12h'),
    },
    {
      path: ['rules', 4, 'afterHours'],
      severity: 'warning',
      message: expect.stringContaining('maxDuration 2h becomes 12h'),
    },
  ];

  it('finds no error, only the warnings about defaults loosening rules after hours', () => {
    const result = parsePolicyText(riversideText());
    expect(result.problems).toEqual(LOOSER_AFTER_HOURS.map((problem) => expect.objectContaining(problem)));
    expect(result.policy?.policy.name).toBe('Riverside PD after-hours key access procedure');
  });

  it('warns nothing once the rules set their own after-hours limits', () => {
    const fixed = riversideText()
      .replace(
        'require: { factors: 2, maxDuration: 2h }\n    afterHours:\n      factors: 3',
        'require: { factors: 2, maxDuration: 2h }\n    afterHours:\n      maxDuration: 2h\n      factors: 3',
      )
      .replace(
        'require: { factors: 2, witness: true, maxDuration: 1h }',
        'require: { factors: 2, witness: true, maxDuration: 1h }\n    afterHours: { maxDuration: 1h }',
      )
      .replace(
        'when: night-shift\n    require: { factors: 2, maxDuration: 2h }',
        'when: night-shift\n    require: { factors: 2, maxDuration: 2h }\n    afterHours: { maxDuration: 2h }',
      );
    expect(parsePolicyText(fixed).problems).toEqual([]);
  });

  it('gives the same answer for the same data given as an object', () => {
    const result = validatePolicy(parse(riversideText()));
    expect(result.problems).toEqual(LOOSER_AFTER_HOURS.map((problem) => expect.objectContaining(problem)));
    expect(result.policy?.rules.map((rule) => rule.id)).toEqual([
      'officers-patrol-cars',
      'maintenance-facility',
      'evidence-techs',
      'armory-command',
      'night-sergeants-facility',
    ]);
  });
});

describe('validatePolicy on a file with many problems', () => {
  const result = parsePolicyText(MANY_PROBLEMS);

  it('refuses the policy', () => {
    expect(result.policy).toBeNull();
  });

  it('reports every problem in one run, each with its line, exact path and a plain message', () => {
    expect(describeProblems(result.problems)).toEqual([
      [3, 'policy.owner', 'unknown person "p-nobody"'],
      [
        7,
        'defaults.afterHours.maxDuration',
        '"2 hours" is not a duration: use a number with m, h or d, such as 30m, 12h, 2d or 1h30m',
      ],
      [
        8,
        'defaults.afterHours.approval',
        '"boss" is not an approval: use none, supervisor or role:<role id>',
      ],
      [
        12,
        'sites[0].timezone',
        'unknown timezone "America/Chicgo" (use an IANA name such as "America/Chicago")',
      ],
      [14, 'sites[0].businessHours.mon[1]', '"25:00-26:00": 25:00 is not a time of day'],
      [15, 'sites[0].businessHours.tue[0]', '"09:00-09:00" is empty: it starts and ends at the same time'],
      [16, 'sites[0].holidays.country', 'unknown holiday country "XX" (use an ISO 3166 code such as "US")'],
      [20, 'sites[1].holidays.closed[0]', '"2026-02-30" is not a calendar date'],
      [
        20,
        'sites[1].holidays.region',
        'unknown holiday region "ZZ" for US (known: AL, AK, AZ, AR, CA, CO, CT, DE, DC, FL, GA, HI, ...)',
      ],
      [21, 'sites[2]', 'unknown field "opening"'],
      [21, 'sites[2].id', 'duplicate id "central"'],
      [29, 'schedules[1].windows.sun[0]', '"22:00-30:00": 30:00 is not a time of day'],
      [32, 'cabinets[1].site', 'unknown site "nowhere"'],
      [38, 'keys[1].id', 'duplicate id "car-1"'],
      [39, 'keys[2].slot', 'must be a number, not "two"'],
      [43, 'people[0].supervisor', 'supervisor cycle: p-a -> p-b -> p-c -> p-a'],
      [45, 'people[2].roles[0]', 'unknown role "sergant"'],
      [46, 'people[3].supervisor', 'a person cannot be their own supervisor'],
      [47, 'people[4].roles', 'must be a list, not "officer"'],
      [50, 'reasons[1].id', 'reason "orphan" is allowed by no rule'],
      [54, 'rules[0].keys.groups[0]', 'unknown key group "patrol-carz"'],
      [
        56,
        'rules[0].require.maxDuration',
        '"12x" is not a duration: use a number with m, h or d, such as 30m, 12h, 2d or 1h30m',
      ],
      [56, 'rules[0].require.witness.roles[0]', 'unknown role "chief"'],
      [57, 'rules[0].afterHours.reasons[1]', 'unknown reason "teleport"'],
      [61, 'rules[1].when', 'schedule "never" has no window, so this rule can never apply'],
      [65, 'rules[2].keys.groups[0]', 'key group "empty-group" has no keys, so this rule can never apply'],
      [
        66,
        'rules[2].when',
        'unknown schedule "sometimes" (use always, business-hours, after-hours or a schedule id)',
      ],
      [68, 'extras', 'unknown top-level field "extras"'],
    ]);
  });

  it.each([
    ['unknown ids', 'rules[0].keys.groups[0]: unknown key group "patrol-carz"'],
    ['unknown ids in people', 'people[2].roles[0]: unknown role "sergant"'],
    ['duplicate ids', 'keys[1].id: duplicate id "car-1"'],
    ['bad windows', 'sites[0].businessHours.mon[1]: "25:00-26:00": 25:00 is not a time of day'],
    [
      'unknown timezones',
      'sites[0].timezone: unknown timezone "America/Chicgo" (use an IANA name such as "America/Chicago")',
    ],
    [
      'unknown holiday countries',
      'sites[0].holidays.country: unknown holiday country "XX" (use an ISO 3166 code such as "US")',
    ],
    [
      'bad durations',
      'rules[0].require.maxDuration: "12x" is not a duration: use a number with m, h or d, such as 30m, 12h, 2d or 1h30m',
    ],
    ['supervisor cycles', 'people[0].supervisor: supervisor cycle: p-a -> p-b -> p-c -> p-a'],
    [
      'schedules with no window',
      'rules[1].when: schedule "never" has no window, so this rule can never apply',
    ],
    [
      'groups with no keys',
      'rules[2].keys.groups[0]: key group "empty-group" has no keys, so this rule can never apply',
    ],
    ['reasons that no rule allows', 'reasons[1].id: reason "orphan" is allowed by no rule'],
    ['unknown fields', 'sites[2]: unknown field "opening"'],
    ['unknown top-level fields', 'extras: unknown top-level field "extras"'],
    ['wrong types', 'keys[2].slot: must be a number, not "two"'],
  ])('reports %s as errors', (_kind, line) => {
    const errors = result.problems.filter((problem) => problem.severity === 'error');
    expect(errors.map((problem) => `${formatPath(problem.path)}: ${problem.message}`)).toContain(line);
  });

  it('gives every problem a line of the file', () => {
    for (const problem of result.problems) expect(problem.line).toBeGreaterThan(0);
  });

  it('formats a problem as FILE:LINE: path: message', () => {
    const problem = result.problems.find((p) => formatPath(p.path) === 'rules[0].keys.groups[0]');
    expect(problem && formatProblem(problem, 'bad.yaml')).toBe(
      'bad.yaml:54: rules[0].keys.groups[0]: unknown key group "patrol-carz"',
    );
  });
});

/** The default test policy as plain data, to be broken one way per test. */
// biome-ignore lint/suspicious/noExplicitAny: these tests break the data on purpose, in ways no type allows.
type Raw = Record<string, any>;
function rawPolicy(): Raw {
  return JSON.parse(JSON.stringify(policyFileOf({ rules: [{ id: 'officers-cars' }] })));
}

describe('validatePolicy, one problem at a time', () => {
  it('accepts the unbroken test policy', () => {
    expect(validatePolicy(rawPolicy()).problems).toEqual([]);
  });

  it.each<[string, (policy: Raw) => void, string[]]>([
    [
      'an unknown key group in a rule',
      (p) => {
        p.rules[0].keys.groups = ['carz'];
      },
      ['rules[0].keys.groups[0]: unknown key group "carz"'],
    ],
    [
      'an unknown key in a rule',
      (p) => {
        p.rules[0].keys.keys = ['car-9'];
      },
      ['rules[0].keys.keys[0]: unknown key "car-9"'],
    ],
    [
      'an unknown person in a rule',
      (p) => {
        p.rules[0].who.people = ['p-zed'];
      },
      ['rules[0].who.people[0]: unknown person "p-zed"'],
    ],
    [
      'an unknown cabinet for a key',
      (p) => {
        p.keys[0].cabinet = 'cab-9';
      },
      ['keys[0].cabinet: unknown cabinet "cab-9"'],
    ],
    [
      'a duplicate person id',
      (p) => {
        p.people.push({ ...p.people[0] });
      },
      ['people[6].id: duplicate id "p-olga"'],
    ],
    [
      'an id that is not lowercase',
      (p) => {
        p.reasons[0].id = 'Swap';
      },
      ['reasons[0].id: must be lowercase letters, digits and dashes'],
    ],
    [
      'an unknown timezone',
      (p) => {
        p.sites[0].timezone = 'Europe/Berln';
      },
      ['sites[0].timezone: unknown timezone "Europe/Berln" (use an IANA name such as "America/Chicago")'],
    ],
    [
      'an unknown holiday region',
      (p) => {
        p.sites[0].holidays = { country: 'AU', region: 'XYZ' };
      },
      [
        'sites[0].holidays.region: unknown holiday region "XYZ" for AU (known: ACT, NSW, NT, QLD, SA, TAS, VIC, WA)',
      ],
    ],
    [
      'a holiday region without a country',
      (p) => {
        p.sites[0].holidays = { region: 'TX' };
      },
      ['sites[0].holidays.region: a region needs a country'],
    ],
    [
      'a date both closed and open',
      (p) => {
        p.sites[0].holidays = { country: 'US', closed: ['2026-07-03'], open: ['2026-07-03'] };
      },
      ['sites[0].holidays: 2026-07-03 is listed as both closed and open'],
    ],
    [
      'a closure date in the wrong form',
      (p) => {
        p.sites[0].holidays = { closed: ['24/12/2026'] };
      },
      ['sites[0].holidays.closed[0]: must be a date YYYY-MM-DD'],
    ],
    [
      'an empty schedule window, and the rule it leaves with no window',
      (p) => {
        p.schedules = [{ id: 'n', name: 'N', windows: { fri: ['22:00-22:00'] } }];
        p.rules[0].when = 'n';
      },
      [
        'schedules[0].windows.fri[0]: "22:00-22:00" is empty: it starts and ends at the same time',
        'rules[0].when: schedule "n" has no window, so this rule can never apply',
      ],
    ],
    [
      'an unknown day in business hours',
      (p) => {
        p.sites[0].businessHours.monday = ['09:00-17:00'];
      },
      ['sites[0].businessHours: unknown field "monday"'],
    ],
    [
      'a zero duration after hours',
      (p) => {
        p.rules[0].afterHours = { maxDuration: '0m' };
      },
      [
        'rules[0].afterHours.maxDuration: "0m" is not a duration: use a number with m, h or d, such as 30m, 12h, 2d or 1h30m',
      ],
    ],
    [
      'an approval by an unknown role',
      (p) => {
        p.rules[0].require = { approval: 'role:chief' };
      },
      ['rules[0].require.approval: unknown role "chief"'],
    ],
    [
      'an approval that is not one',
      (p) => {
        p.rules[0].require = { approval: 'manager' };
      },
      ['rules[0].require.approval: "manager" is not an approval: use none, supervisor or role:<role id>'],
    ],
    [
      'a witness role that does not exist',
      (p) => {
        p.rules[0].afterHours = { witness: { roles: ['chief'] } };
      },
      ['rules[0].afterHours.witness.roles[0]: unknown role "chief"'],
    ],
    [
      'a supervisor cycle of two',
      (p) => {
        p.people[3].supervisor = 'p-sam';
      },
      ['people[2].supervisor: supervisor cycle: p-sam -> p-mia -> p-sam'],
    ],
    [
      'an unknown supervisor',
      (p) => {
        p.people[0].supervisor = 'p-boss';
      },
      ['people[0].supervisor: unknown person "p-boss"'],
    ],
    [
      'more factors than the kinds that count, across condition blocks',
      (p) => {
        p.rules[0].require = { factorKinds: ['pin'] };
        p.defaults = { afterHours: { factors: 2 } };
      },
      [
        'rules[0].afterHours: after hours this rule needs 2 distinct factors but only 1 kinds count, so it can never be met',
      ],
    ],
    [
      'a business-hours rule at a site without business hours',
      (p) => {
        p.sites[0].businessHours = {};
        p.rules[0].when = 'business-hours';
      },
      ['rules[0].when: the sites of these keys have no business hours, so this rule can never apply'],
    ],
    [
      'an unknown schedule',
      (p) => {
        p.rules[0].when = 'weekends';
      },
      [
        'rules[0].when: unknown schedule "weekends" (use always, business-hours, after-hours or a schedule id)',
      ],
    ],
    [
      'a rule that names nobody',
      (p) => {
        p.rules[0].who = {};
      },
      ['rules[0].who: names nobody: give roles, people or both'],
    ],
    [
      'a rule that names no key',
      (p) => {
        p.rules[0].keys = {};
      },
      ['rules[0].keys: names no key: give groups, keys or both'],
    ],
    [
      'a required reason with none allowed',
      (p) => {
        p.rules[0].require = { reason: 'required', reasons: [] };
      },
      [
        'rules[0].require.reasons: a reason is required but no reason is allowed, so this can never be met',
        'reasons[0].id: reason "swap" is allowed by no rule',
        'reasons[1].id: reason "incident" is allowed by no rule',
        'reasons[2].id: reason "repair" is allowed by no rule',
      ],
    ],
    [
      'a slot the cabinet does not have',
      (p) => {
        p.keys[0].slot = 21;
      },
      ['keys[0].slot: slot 21 does not exist: cabinet "cab" has 20 slots'],
    ],
    [
      'two keys in one slot',
      (p) => {
        p.keys[1].slot = 1;
      },
      ['keys[1].slot: slot 1 of cabinet "cab" is already the home of key "car-1"'],
    ],
    [
      'a wrong type',
      (p) => {
        p.cabinets[0].slots = 'ten';
      },
      ['cabinets[0].slots: must be a number, not "ten"'],
    ],
    [
      'a fraction where a whole number belongs',
      (p) => {
        p.rules[0].require = { maxKeysOut: 1.5 };
      },
      ['rules[0].require.maxKeysOut: must be a whole number, not 1.5'],
    ],
    [
      'a value outside its choices',
      (p) => {
        p.keyGroups[2].sensitivity = 'secret';
      },
      ['keyGroups[2].sensitivity: must be one of "normal", "restricted", "critical", not "secret"'],
    ],
    [
      'a witness that is neither true, false nor roles',
      (p) => {
        p.rules[0].require = { witness: 'yes' };
      },
      ['rules[0].require.witness: is not a valid value ("yes")'],
    ],
    [
      'an unknown field in conditions',
      (p) => {
        p.rules[0].require = { factor: 2 };
      },
      ['rules[0].require: unknown field "factor"'],
    ],
    [
      'an unknown top-level field',
      (p) => {
        p.rulez = [];
      },
      ['rulez: unknown top-level field "rulez"'],
    ],
    [
      'a section that is not a list',
      (p) => {
        p.reasons = { swap: 'Swap' };
      },
      ['reasons: must be a list of reasons'],
    ],
    [
      'a missing policy header',
      (p) => {
        delete p.policy;
      },
      ['policy: is required'],
    ],
    [
      'a missing required field',
      (p) => {
        delete p.keys[0].label;
      },
      ['keys[0].label: is required'],
    ],
    [
      'an unknown recipient of a notification',
      (p) => {
        p.notifications = [{ id: 'n', on: ['checkout'], to: ['role:chief', 'boss'], via: ['email'] }];
      },
      [
        'notifications[0].to[0]: unknown role "chief"',
        'notifications[0].to[1]: "boss" is not a recipient: use person, supervisor, role:<id>, person:<id> or email:<address>',
      ],
    ],
    [
      'a consequence count without a window and a lock without a duration',
      (p) => {
        // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
        p.consequences = [{ on: 'denied', count: 3, then: ['lock:forever'] }];
      },
      [
        'consequences[0].count: "count" needs a "within" window such as 10m',
        'consequences[0].then[0]: "forever" is not a duration: use a number with m, h or d, such as 30m, 12h, 2d or 1h30m',
      ],
    ],
  ])('reports %s, and nothing else', (_name, breakIt, expected) => {
    const policy = rawPolicy();
    breakIt(policy);
    const result = validatePolicy(policy);
    expect(result.policy).toBeNull();
    expect(result.problems.map((problem) => formatProblem(problem))).toEqual(expected);
    // Given as data, not text: no line numbers.
    expect(result.problems.every((problem) => problem.line === undefined)).toBe(true);
  });

  it.each<[string, (policy: Raw) => void, string]>([
    [
      'a rule that covers no active person yet',
      (p) => {
        p.rules[0].who = { people: ['p-ivy'] };
      },
      'warning: rules[0].who: no active person is covered by this rule yet',
    ],
    [
      'an empty key group beside one with keys',
      (p) => {
        p.keyGroups.push({ id: 'spare', name: 'Spare' });
        p.rules[0].keys.groups = ['cars', 'spare'];
      },
      'warning: rules[0].keys.groups[1]: key group "spare" has no keys',
    ],
  ])('warns about %s and still accepts the policy', (_name, breakIt, warning) => {
    const policy = rawPolicy();
    breakIt(policy);
    const result = validatePolicy(policy);
    expect(result.problems.map((problem) => formatProblem(problem))).toEqual([warning]);
    expect(result.problems[0]?.severity).toBe('warning');
    expect(result.policy).not.toBeNull();
  });

  it('does not call a declared schedule unknown when the schedule itself is broken', () => {
    const policy = rawPolicy();
    policy.schedules = [{ id: 'nights', name: 'Nights', windows: { mon: ['22:00-06:00'] }, colour: 'red' }];
    policy.rules[0].when = 'nights';
    expect(validatePolicy(policy).problems.map((problem) => formatProblem(problem))).toEqual([
      'schedules[0]: unknown field "colour"',
    ]);
  });

  it('does not say a broken site has no business hours', () => {
    const policy = rawPolicy();
    policy.sites[0].address = '1 Main St';
    policy.rules[0].when = 'business-hours';
    expect(validatePolicy(policy).problems.map((problem) => formatProblem(problem))).toEqual([
      'sites[0]: unknown field "address"',
    ]);
  });

  it('does not say reasons are allowed by no rule when a rule that might allow them is broken', () => {
    const policy = rawPolicy();
    policy.rules[0].require = { factorKinds: ['retina'] };
    policy.rules.push({
      id: 'swaps',
      who: { roles: ['officer'] },
      keys: { groups: ['cars'] },
      require: { reasons: ['swap'] },
    });
    expect(validatePolicy(policy).problems.map((problem) => formatProblem(problem))).toEqual([
      'rules[0].require.factorKinds[0]: must be one of "pin", "badge", "fingerprint", "totp", not "retina"',
    ]);
  });

  it('names the file position of a valid item after a broken one', () => {
    const policy = rawPolicy();
    policy.rules = [
      { id: 'broken', who: { roles: ['officer'] }, keys: { groups: ['cars'] }, colour: 'red' },
      { id: 'fine', who: { roles: ['officer'] }, keys: { groups: ['carz'] } },
    ];
    expect(validatePolicy(policy).problems.map((problem) => formatProblem(problem))).toEqual([
      'rules[0]: unknown field "colour"',
      'rules[1].keys.groups[0]: unknown key group "carz"',
    ]);
  });

  it('refuses a file that is not a mapping', () => {
    for (const raw of [null, 42, 'text', ['policy']]) {
      expect(validatePolicy(raw).problems).toEqual([
        {
          path: [],
          message: 'a policy file must be a mapping with the fields policy, sites, keys, people, rules, ...',
          severity: 'error',
        },
      ]);
    }
  });
});

describe('parsePolicyText', () => {
  it.each<[string, string, string, number | undefined]>([
    ['an unclosed flow sequence', 'policy: { name: P, owner: p-a }\nsites: [1, 2', 'not valid YAML: ', 2],
    ['a duplicate key', 'policy:\n  name: P\n  name: Q\n', 'not valid YAML: Map keys must be unique', 3],
    ['a tab for indentation', 'policy:\n\tname: P\n', 'not valid YAML: ', 2],
    [
      'two documents',
      'policy: {}\n---\npolicy: {}\n',
      'not valid YAML: Source contains multiple documents',
      2,
    ],
    ['an alias to no anchor', 'policy: *header\n', 'not valid YAML: Unresolved alias', undefined],
    [
      'aliases that expand without bound',
      'a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
      'not valid YAML: Excessive alias count',
      undefined,
    ],
  ])(
    'reports %s as a problem, with its line when known, instead of throwing',
    (_name, text, message, line) => {
      const result = parsePolicyText(text);
      expect(result.policy).toBeNull();
      expect(result.problems.length).toBeGreaterThan(0);
      const [first] = result.problems;
      expect(first?.message.startsWith(message)).toBe(true);
      expect(first?.severity).toBe('error');
      expect(first?.line).toBe(line);
    },
  );

  it('refuses an empty file with the same message as any non-mapping', () => {
    expect(parsePolicyText('').problems.map((problem) => problem.message)).toEqual([
      'a policy file must be a mapping with the fields policy, sites, keys, people, rules, ...',
    ]);
  });

  it('reads JSON, a subset of YAML', () => {
    const json = JSON.stringify(rawPolicy());
    expect(parsePolicyText(json).problems).toEqual([]);
  });

  it('gives a problem inside a block the line of the deepest part of the path that exists', () => {
    const text = riversideText().replace(
      'keys: { groups: [patrol-cars] }',
      'keys: { groups: [patrol-carz] }',
    );
    const problem = parsePolicyText(text).problems.find(
      (p) => formatPath(p.path) === 'rules[0].keys.groups[0]',
    );
    const line = text.split('\n').findIndex((l) => l.includes('patrol-carz')) + 1;
    expect(problem?.line).toBe(line);
    expect(problem?.message).toBe('unknown key group "patrol-carz"');
  });
});

describe('formatPath and formatProblem', () => {
  it.each<[(string | number)[], string]>([
    [['rules', 1, 'keys', 'groups', 0], 'rules[1].keys.groups[0]'],
    [['rules', 0, 'keys', 'groups', 0], 'rules[0].keys.groups[0]'],
    [['policy', 'owner'], 'policy.owner'],
    [['sites', 0, 'businessHours', 'mon', 2], 'sites[0].businessHours.mon[2]'],
    [['extras'], 'extras'],
    [[], '(file)'],
  ])('writes %j as %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });

  it.each<[PolicyProblem, string | undefined, string]>([
    [
      { path: ['policy', 'owner'], message: 'm', severity: 'error', line: 3 },
      'p.yaml',
      'p.yaml:3: policy.owner: m',
    ],
    [{ path: ['policy', 'owner'], message: 'm', severity: 'error' }, 'p.yaml', 'p.yaml: policy.owner: m'],
    [
      { path: ['policy', 'owner'], message: 'm', severity: 'error', line: 3 },
      undefined,
      'line 3: policy.owner: m',
    ],
    [{ path: [], message: 'm', severity: 'warning' }, undefined, 'warning: (file): m'],
  ])('formats %j in %s', (problem, file, text) => {
    expect(formatProblem(problem, file)).toBe(text);
  });
});
