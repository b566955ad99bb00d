/**
 * Small policies for tests: a valid policy file from a partial spec, with one site, a few keys, people and
 * reasons by default, so that each test states only what it is about.
 *
 * Default cast: officers p-olga and p-omar (supervisor p-sam), sergeant p-sam (supervisor p-mia), manager
 * p-mia, technician p-tom (supervisor p-mia) and an inactive officer p-ivy. Keys car-1 and car-2 (group
 * cars), drill (tools) and vault-1 (vault, critical), all in cabinet cab at site hq. Reasons swap, incident
 * and repair. A rule names the officers and the cars unless the spec says otherwise.
 */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { type CompiledPolicy, compilePolicy } from './compile-policy.js';
import { parsePolicyText } from './parse-policy.js';
import type {
  ConditionsFile,
  PersonFile,
  PolicyFile,
  RuleFile,
  SiteFile,
  WeeklyWindows,
} from './policy-file.js';
import { formatProblem } from './problems.js';
import { validatePolicy } from './validate-policy.js';

export const TEST_ZONE = 'America/Chicago';

/** Monday to Friday, 09:00 to 17:00. */
export const OFFICE_HOURS: WeeklyWindows = {
  mon: ['09:00-17:00'],
  tue: ['09:00-17:00'],
  wed: ['09:00-17:00'],
  thu: ['09:00-17:00'],
  fri: ['09:00-17:00'],
};

export type RuleSpec = Partial<Omit<RuleFile, 'id'>> & { id: string };

export interface PolicySpec {
  /** The site's zone; America/Chicago unless given. */
  timezone?: string;
  /** The site's business hours; OFFICE_HOURS unless given ({} for none). */
  businessHours?: WeeklyWindows;
  holidays?: SiteFile['holidays'];
  /** `defaults.afterHours`. */
  defaults?: ConditionsFile;
  /** Schedules by id. */
  schedules?: Record<string, WeeklyWindows>;
  /** Replaces the default cast. */
  people?: PersonFile[];
  /** Reason ids; swap, incident and repair unless given. */
  reasons?: string[];
  rules: RuleSpec[];
}

export const DEFAULT_PEOPLE: PersonFile[] = [
  { id: 'p-olga', name: 'Olga Officer', roles: ['officer'], supervisor: 'p-sam' },
  { id: 'p-omar', name: 'Omar Officer', roles: ['officer'], supervisor: 'p-sam' },
  { id: 'p-sam', name: 'Sam Sergeant', roles: ['sergeant'], supervisor: 'p-mia' },
  { id: 'p-mia', name: 'Mia Manager', roles: ['manager'] },
  { id: 'p-tom', name: 'Tom Technician', roles: ['technician'], supervisor: 'p-mia' },
  { id: 'p-ivy', name: 'Ivy Inactive', roles: ['officer'], supervisor: 'p-sam', active: false },
];

/** The policy file of a spec, not validated (property tests generate policies that need not be sensible). */
export function policyFileOf(spec: PolicySpec): PolicyFile {
  return {
    policy: { name: 'Test policy', owner: 'p-mia' },
    defaults: spec.defaults ? { afterHours: spec.defaults } : {},
    sites: [
      {
        id: 'hq',
        name: 'Headquarters',
        timezone: spec.timezone ?? TEST_ZONE,
        businessHours: spec.businessHours ?? OFFICE_HOURS,
        ...(spec.holidays ? { holidays: spec.holidays } : {}),
      },
    ],
    schedules: Object.entries(spec.schedules ?? {}).map(([id, windows]) => ({ id, name: id, windows })),
    cabinets: [{ id: 'cab', site: 'hq', name: 'Lobby cabinet', slots: 20 }],
    keyGroups: [
      { id: 'cars', name: 'Cars' },
      { id: 'tools', name: 'Tools' },
      { id: 'vault', name: 'Vault', sensitivity: 'critical' },
    ],
    keys: [
      { id: 'car-1', label: 'Car 1', group: 'cars', cabinet: 'cab', slot: 1 },
      { id: 'car-2', label: 'Car 2', group: 'cars', cabinet: 'cab', slot: 2 },
      { id: 'drill', label: 'Drill', group: 'tools', cabinet: 'cab', slot: 3 },
      { id: 'vault-1', label: 'Vault door', group: 'vault', cabinet: 'cab', slot: 4 },
    ],
    roles: [
      { id: 'officer', name: 'Officer' },
      { id: 'sergeant', name: 'Sergeant' },
      { id: 'manager', name: 'Manager' },
      { id: 'technician', name: 'Technician' },
    ],
    people: spec.people ?? DEFAULT_PEOPLE,
    reasons: (spec.reasons ?? ['swap', 'incident', 'repair']).map((id) => ({ id, label: `Reason ${id}` })),
    rules: spec.rules.map((rule) => ({
      who: { roles: ['officer'] },
      keys: { groups: ['cars'] },
      when: 'always',
      ...rule,
    })),
    notifications: [],
    consequences: [],
  };
}

/** The policy file of a spec, validated: throws with every problem when validation finds an error. */
export function validPolicyOf(spec: PolicySpec): PolicyFile {
  const result = validatePolicy(JSON.parse(JSON.stringify(policyFileOf(spec))));
  if (!result.policy) {
    throw new Error(`test policy is not valid:\n${result.problems.map((p) => formatProblem(p)).join('\n')}`);
  }
  return result.policy;
}

/**
 * A compiled test policy.
 * @example decide(compileTestPolicy({ rules: [{ id: 'r' }] }), 'p-olga', 'car-1', at('2026-03-02T10:00'))
 */
export function compileTestPolicy(spec: PolicySpec): CompiledPolicy {
  return compilePolicy(validPolicyOf(spec));
}

/**
 * Epoch milliseconds of a local wall-clock time (`2026-03-02T10:00`) in a zone (the test zone by default).
 * Use UTC instants for times that a daylight-saving change skips or repeats.
 */
export function at(localIso: string, zone: string = TEST_ZONE): number {
  const time = DateTime.fromISO(localIso, { zone });
  if (!time.isValid) throw new Error(`bad test time ${localIso}: ${time.invalidExplanation}`);
  return time.toMillis();
}

/** The text of the Riverside example policy kept with the project. */
export function riversideText(): string {
  return readFileSync(new URL('../../../examples/riverside-pd.yaml', import.meta.url), 'utf8');
}

/** The Riverside example, parsed, validated and compiled. */
export function compileRiverside(): CompiledPolicy {
  const result = parsePolicyText(riversideText());
  if (!result.policy) throw new Error(result.problems.map((p) => formatProblem(p)).join('\n'));
  return compilePolicy(result.policy);
}
