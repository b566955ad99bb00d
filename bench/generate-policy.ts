/**
 * Deterministic generator of a large, valid Keywarden policy (../shared/policy-format.md) and of decision
 * requests against it. Default size: 10,000 people, 5,000 keys, 500 rules, 14 sites in 14 timezones on both
 * hemispheres (including half-hour and quarter-hour offsets) with their public-holiday calendars.
 *
 * Run directly to write the files a person can look at:
 *   node --import tsx bench/generate-policy.ts [DIR]   (policy.yaml + requests.jsonl of 10,000 lines; DIR
 *   defaults to keywarden-bench-files in the system temp directory)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Holidays from 'date-holidays';
import YAML from 'yaml';
import type {
  ConditionsFile,
  FactorKind,
  PolicyFile,
  RuleFile,
  ScheduleFile,
  SiteFile,
  WeeklyWindows,
} from '../src/domain/policy/policy-file.js';
import { validatePolicy } from '../src/domain/policy/validate-policy.js';
import { Random } from './random.js';

export const FACTORS: readonly FactorKind[] = ['pin', 'badge', 'fingerprint', 'totp'];
export const YEAR = 2026;
const YEAR_START_MS = Date.UTC(YEAR, 0, 1);
const YEAR_MS = Date.UTC(YEAR + 1, 0, 1) - YEAR_START_MS;

export interface PolicySize {
  people: number;
  keys: number;
  rules: number;
  keyGroups: number;
  roles: number;
  seed: number;
}

export const DEFAULT_SIZE: PolicySize = {
  people: 10_000,
  keys: 5_000,
  rules: 500,
  keyGroups: 200,
  roles: 120,
  seed: 20_260_101,
};

/** A fifth of the default, for BENCH_QUICK smoke runs. */
export const QUICK_SIZE: PolicySize = {
  people: 2_000,
  keys: 1_000,
  rules: 100,
  keyGroups: 40,
  roles: 30,
  seed: 20_260_101,
};

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const MON_FRI = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function days(list: readonly (keyof WeeklyWindows)[], windows: string[]): WeeklyWindows {
  return Object.fromEntries(list.map((day) => [day, windows])) as WeeklyWindows;
}

/** Business hours of different shapes: plain office, split with a lunch break, long days, round the clock. */
const BUSINESS_HOURS: WeeklyWindows[] = [
  days(MON_FRI, ['08:00-17:00']),
  { ...days(MON_FRI, ['08:00-12:00', '13:00-17:30']), sat: ['09:00-12:00'] },
  days([...MON_FRI, 'sat'], ['06:00-22:00']),
  days(['sun', 'mon', 'tue', 'wed', 'thu'], ['08:00-16:00']),
  { ...days(MON_FRI, ['07:30-18:00']), sat: ['08:00-12:00'] },
  // Open round the clock: after hours only on holidays and closures.
  days(ALL_DAYS, ['00:00-24:00']),
];

/** Sites on both hemispheres; the southern ones change clocks in the opposite season. */
const SITES: { id: string; name: string; timezone: string; country: string; region?: string }[] = [
  { id: 'houston', name: 'Houston depot', timezone: 'America/Chicago', country: 'US', region: 'TX' },
  { id: 'munich', name: 'Munich plant', timezone: 'Europe/Berlin', country: 'DE', region: 'BY' },
  { id: 'sydney', name: 'Sydney office', timezone: 'Australia/Sydney', country: 'AU', region: 'NSW' },
  { id: 'tokyo', name: 'Tokyo office', timezone: 'Asia/Tokyo', country: 'JP' },
  { id: 'london', name: 'London office', timezone: 'Europe/London', country: 'GB', region: 'ENG' },
  { id: 'mumbai', name: 'Mumbai office', timezone: 'Asia/Kolkata', country: 'IN' },
  { id: 'sao-paulo', name: 'Sao Paulo yard', timezone: 'America/Sao_Paulo', country: 'BR', region: 'SP' },
  { id: 'auckland', name: 'Auckland depot', timezone: 'Pacific/Auckland', country: 'NZ', region: 'AUK' },
  { id: 'johannesburg', name: 'Johannesburg site', timezone: 'Africa/Johannesburg', country: 'ZA' },
  { id: 'santiago', name: 'Santiago site', timezone: 'America/Santiago', country: 'CL' },
  {
    id: 'los-angeles',
    name: 'Los Angeles depot',
    timezone: 'America/Los_Angeles',
    country: 'US',
    region: 'CA',
  },
  { id: 'adelaide', name: 'Adelaide office', timezone: 'Australia/Adelaide', country: 'AU', region: 'SA' },
  { id: 'st-johns', name: "St. John's station", timezone: 'America/St_Johns', country: 'CA', region: 'NL' },
  { id: 'kathmandu', name: 'Kathmandu office', timezone: 'Asia/Kathmandu', country: '' },
];

/** Schedules, several of them running past midnight (end before start). */
const SCHEDULES: ScheduleFile[] = [
  { id: 'night', name: 'Night shift', windows: days(ALL_DAYS, ['22:00-06:00']) },
  { id: 'evening-night', name: 'Evening and night', windows: days(ALL_DAYS, ['18:00-07:00']) },
  { id: 'day-shift', name: 'Day shift', windows: days(MON_FRI, ['06:00-14:00']) },
  { id: 'swing-shift', name: 'Swing shift', windows: days(ALL_DAYS, ['14:00-22:00']) },
  { id: 'weekend', name: 'Weekend', windows: { sat: ['00:00-24:00'], sun: ['00:00-24:00'] } },
  {
    id: 'weekend-nights',
    name: 'Weekend nights',
    windows: { fri: ['20:00-08:00'], sat: ['20:00-08:00'], sun: ['20:00-06:00'] },
  },
  { id: 'early', name: 'Early mornings', windows: days(MON_FRI, ['05:00-09:00']) },
  { id: 'lunch', name: 'Lunch hours', windows: days(MON_FRI, ['11:30-13:30']) },
  { id: 'maintenance', name: 'Maintenance windows', windows: { tue: ['01:00-05:00'], thu: ['01:00-05:00'] } },
  { id: 'split', name: 'Split shift', windows: days(MON_FRI, ['07:00-11:00', '15:00-19:00']) },
  { id: 'round-the-clock', name: 'Round the clock', windows: days(ALL_DAYS, ['00:00-24:00']) },
  { id: 'sunday-late', name: 'Sunday late (into Monday)', windows: { sun: ['23:00-03:00'] } },
];

const REASONS = [
  'vehicle-swap',
  'incident-response',
  'maintenance-call',
  'alarm-response',
  'delivery',
  'inspection',
  'audit',
  'fire-drill',
  'it-outage',
  'water-leak',
  'power-failure',
  'security-sweep',
  'court-order',
  'evidence-transfer',
  'training',
  'contractor-escort',
  'medical',
  'lockout',
  'inventory',
  'customer-visit',
];

const DURATIONS = ['30m', '1h', '1h30m', '4h', '8h', '10h', '12h', '1d', '2d'];

/** The effective conditions as the format merges them, to keep generated rules satisfiable. */
function mergeLayers(...layers: (ConditionsFile | undefined)[]): ConditionsFile {
  const merged: Record<string, unknown> = {};
  for (const layer of layers)
    for (const [field, value] of Object.entries(layer ?? {})) if (value !== undefined) merged[field] = value;
  return merged as ConditionsFile;
}

/**
 * Generates the policy as plain data (what YAML.parse would give), deterministically from `size.seed`.
 * @example validatePolicy(generatePolicy()).problems.filter((p) => p.severity === 'error') // []
 */
export function generatePolicy(size: PolicySize = DEFAULT_SIZE): PolicyFile {
  const random = new Random(size.seed);

  const sites: SiteFile[] = SITES.map((site, i) => {
    const holidays: NonNullable<SiteFile['holidays']> = {};
    const closed = new Set<string>();
    for (let n = random.between(1, 3); n > 0; n--) {
      closed.add(`${YEAR}-${pad(random.between(1, 12), 2)}-${pad(random.between(1, 28), 2)}`);
    }
    holidays.closed = [...closed].sort();
    if (site.country) {
      holidays.country = site.country;
      if (site.region) holidays.region = site.region;
      // Keep one real public holiday open, as a site that works through it would.
      const calendar = site.region
        ? new Holidays(site.country, site.region, { types: ['public'] })
        : new Holidays(site.country, { types: ['public'] });
      const dates = (calendar.getHolidays(YEAR) ?? [])
        .map((holiday) => holiday.date.slice(0, 10))
        .filter((date) => !closed.has(date));
      if (dates.length > 0) holidays.open = [random.pick(dates)];
    }
    return {
      id: site.id,
      name: site.name,
      timezone: site.timezone,
      businessHours: BUSINESS_HOURS[i % BUSINESS_HOURS.length] as WeeklyWindows,
      holidays,
    };
  });

  const slotsPerCabinet = 40;
  const cabinetCount = Math.ceil(size.keys / slotsPerCabinet);
  const cabinets = Array.from({ length: cabinetCount }, (_, i) => {
    const site = sites[i % sites.length] as SiteFile;
    return {
      id: `cab-${pad(i + 1, 4)}`,
      site: site.id,
      name: `Cabinet ${i + 1} at ${site.name}`,
      slots: slotsPerCabinet,
    };
  });

  const sensitivities = ['normal', 'restricted', 'critical'] as const;
  const keyGroups = Array.from({ length: size.keyGroups }, (_, i) => {
    const group: PolicyFile['keyGroups'][number] = { id: `grp-${pad(i + 1, 3)}`, name: `Key group ${i + 1}` };
    const s = random.weighted([55, 25, 12, 8]);
    if (s < 3) group.sensitivity = sensitivities[s];
    return group;
  });

  const keys = Array.from({ length: size.keys }, (_, i) => {
    const key: PolicyFile['keys'][number] = {
      id: `key-${pad(i + 1, 5)}`,
      label: `Key ${i + 1}`,
      // Every group gets keys first, then the rest fall anywhere.
      group: (i < keyGroups.length ? keyGroups[i] : random.pick(keyGroups))?.id as string,
      cabinet: (cabinets[Math.floor(i / slotsPerCabinet)] as (typeof cabinets)[number]).id,
      slot: (i % slotsPerCabinet) + 1,
    };
    if (random.chance(0.05)) key.sensitivity = random.pick(sensitivities);
    return key;
  });

  const roles = Array.from({ length: size.roles }, (_, i) => ({
    id: `role-${pad(i + 1, 3)}`,
    name: `Role ${i + 1}`,
  }));
  // Skewed role sizes: a few large roles (officers) and many small ones (specialists).
  const pickRole = (): string => (roles[Math.floor(random.next() ** 2 * roles.length)] as { id: string }).id;

  const people = Array.from({ length: size.people }, (_, i) => {
    const id = `p-${pad(i + 1, 5)}`;
    const personRoles = new Set<string>();
    for (let n = random.weighted([50, 35, 15]) + 1; n > 0; n--) personRoles.add(pickRole());
    const person: PolicyFile['people'][number] = { id, name: `Person ${i + 1}`, roles: [...personRoles] };
    // Supervisors come earlier in the list (a tree), so there is never a cycle.
    if (i > 0 && random.chance(0.9))
      person.supervisor = `p-${pad(Math.floor(random.next() ** 2 * i) + 1, 5)}`;
    if (random.chance(0.5)) person.email = `person${i + 1}@example.com`;
    if (random.chance(0.3)) person.phone = `+1512555${pad(i % 10_000, 4)}`;
    if (i > 0 && random.chance(0.02)) person.active = false;
    return person;
  });

  const reasons = REASONS.map((id) => ({ id, label: id.replace(/-/g, ' ') }));
  const defaultsAfterHours: ConditionsFile = { factors: 2, reason: 'required', maxDuration: '12h' };

  const randomKinds = (min: number): FactorKind[] => random.sample(FACTORS, random.between(min, 3));
  const rules: RuleFile[] = [];
  for (let i = 0; i < size.rules; i++) {
    const who: RuleFile['who'] = {};
    const shape = random.weighted([85, 10, 5]);
    if (shape < 2) who.roles = [...new Set(Array.from({ length: random.between(1, 3) }, pickRole))];
    if (shape > 0) who.people = random.sample(people, random.between(1, 3)).map((p) => p.id);

    const keysOf: RuleFile['keys'] = {};
    const keyShape = random.weighted([85, 10, 5]);
    if (keyShape < 2) keysOf.groups = random.sample(keyGroups, random.between(1, 3)).map((g) => g.id);
    if (keyShape > 0) keysOf.keys = random.sample(keys, random.between(1, 5)).map((k) => k.id);

    const whenShape = random.weighted([35, 20, 20, 25]);
    const when =
      whenShape === 0
        ? 'always'
        : whenShape === 1
          ? 'business-hours'
          : whenShape === 2
            ? 'after-hours'
            : random.pick(SCHEDULES).id;

    let require: ConditionsFile | undefined;
    if (random.chance(0.7)) {
      require = {};
      if (random.chance(0.2)) require.factorKinds = randomKinds(2);
      require.factors = random.between(1, 2);
      if (random.chance(0.5)) require.maxDuration = random.pick(DURATIONS);
      if (random.chance(0.25)) require.maxKeysOut = random.between(1, 3);
      if (random.chance(0.1)) require.reason = 'required';
      if (random.chance(0.15)) require.reasons = random.sample(REASONS, random.between(2, 6));
      if (random.chance(0.05)) require.approval = 'supervisor';
      if (random.chance(0.03)) require.witness = true;
    }

    let afterHours: ConditionsFile | undefined;
    if (random.chance(0.6)) {
      afterHours = { factors: random.between(2, 3) };
      if (random.chance(0.15)) afterHours.factorKinds = randomKinds(3);
      afterHours.reason = random.chance(0.7) ? 'required' : 'optional';
      if (random.chance(0.3)) afterHours.reasons = random.sample(REASONS, random.between(2, 5));
      const approval = random.weighted([65, 20, 15]);
      if (approval === 1) afterHours.approval = 'supervisor';
      if (approval === 2) afterHours.approval = `role:${pickRole()}`;
      const witness = random.weighted([80, 10, 10]);
      if (witness === 1) afterHours.witness = true;
      if (witness === 2)
        afterHours.witness = { roles: [...new Set(Array.from({ length: random.between(1, 2) }, pickRole))] };
      if (random.chance(0.4)) afterHours.maxDuration = random.pick(DURATIONS);
      if (random.chance(0.2)) afterHours.maxKeysOut = random.between(1, 2);
    }

    // The format refuses a rule that needs more distinct factors than kinds count: keep every rule usable.
    for (const layers of [[require], [require, defaultsAfterHours, afterHours]]) {
      const effective = mergeLayers(...layers);
      const kinds = new Set(effective.factorKinds ?? FACTORS).size;
      if ((effective.factors ?? 1) <= kinds) continue;
      if (layers.length === 1 && require) require.factors = kinds;
      else {
        afterHours ??= {};
        afterHours.factors = kinds;
      }
    }

    const rule: RuleFile = { id: `rule-${pad(i + 1, 3)}`, who, keys: keysOf, when };
    if (random.chance(0.5)) rule.description = `Generated rule ${i + 1}`;
    if (require) rule.require = require;
    if (afterHours) rule.afterHours = afterHours;
    rules.push(rule);
  }

  return {
    policy: {
      name: 'Generated benchmark policy',
      owner: 'p-00001',
      reviewEveryDays: 180,
      accessReviewEveryDays: 90,
    },
    defaults: { afterHours: defaultsAfterHours },
    sites,
    schedules: SCHEDULES,
    cabinets,
    keyGroups,
    keys,
    roles,
    people,
    reasons,
    rules,
    notifications: [
      {
        id: 'after-hours-critical',
        on: ['checkout'],
        when: { afterHours: true, sensitivity: ['restricted', 'critical'] },
        to: ['supervisor', 'role:role-001'],
        via: ['email', 'sms'],
        escalate: { after: '15m', to: ['role:role-002'] },
      },
      { id: 'denied', on: ['denied'], to: ['person', 'email:security@example.com'], via: ['in-app'] },
    ],
    consequences: [
      // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
      { on: 'denied', count: 3, within: '10m', then: ['notify:supervisor', 'lock:30m'] },
      // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
      { on: 'overdue', after: '2h', then: ['incident'] },
    ],
  };
}

/** Validates a generated policy and throws, listing the errors, when it is not valid. */
export function validateGenerated(raw: PolicyFile): { policy: PolicyFile; warnings: number } {
  const { policy, problems } = validatePolicy(raw);
  const errors = problems.filter((problem) => problem.severity === 'error');
  if (!policy || errors.length > 0) {
    const shown = errors
      .slice(0, 20)
      .map((e) => `  ${e.path.join('.')}: ${e.message}`)
      .join('\n');
    throw new Error(`the generated policy is not valid (${errors.length} errors):\n${shown}`);
  }
  return { policy, warnings: problems.length - errors.length };
}

/** One decision request, as the CLI's batch lines carry it (with the instant also as epoch ms). */
export interface BenchRequest {
  person: string;
  key: string;
  at: string;
  instantMs: number;
  factors: FactorKind[];
  reason: string | null;
  approver: string | null;
  witness: string | null;
  keysOut: number;
}

/**
 * Returns a function that yields requests one by one, deterministically from the seed. 70% are aimed at a
 * rule (a person its `who` names, a key its `keys` names), the rest are random pairs; instants are uniform
 * over the year; factor sets, reasons, approvers and witnesses are random with plausible shares.
 */
export function createRequestGenerator(policy: PolicyFile, seed: number): () => BenchRequest {
  const random = new Random(seed);
  const peopleIds = policy.people.map((person) => person.id);
  const keyIds = policy.keys.map((key) => key.id);
  const supervisorOf = new Map(policy.people.map((person) => [person.id, person.supervisor ?? null]));
  const membersOf = new Map<string, string[]>();
  for (const person of policy.people)
    for (const role of person.roles) {
      const list = membersOf.get(role) ?? [];
      list.push(person.id);
      membersOf.set(role, list);
    }
  const keysOf = new Map<string, string[]>();
  for (const key of policy.keys) {
    const list = keysOf.get(key.group) ?? [];
    list.push(key.id);
    keysOf.set(key.group, list);
  }
  const reasonIds = policy.reasons.map((reason) => reason.id);
  const roleIds = policy.roles.map((role) => role.id);
  const holderOf = (role: string): string => {
    const members = membersOf.get(role);
    return members && members.length > 0 ? random.pick(members) : random.pick(peopleIds);
  };
  const personFor = (rule: RuleFile): string => {
    const roles = rule.who.roles ?? [];
    const named = rule.who.people ?? [];
    if (named.length > 0 && (roles.length === 0 || random.chance(0.3))) return random.pick(named);
    return holderOf(random.pick(roles));
  };
  const keyFor = (rule: RuleFile): string => {
    const groups = rule.keys.groups ?? [];
    const named = rule.keys.keys ?? [];
    if (named.length > 0 && (groups.length === 0 || random.chance(0.3))) return random.pick(named);
    const inGroup = keysOf.get(random.pick(groups));
    return inGroup && inGroup.length > 0 ? random.pick(inGroup) : random.pick(keyIds);
  };

  return () => {
    const rule = random.chance(0.7) ? random.pick(policy.rules) : null;
    const person = rule ? personFor(rule) : random.pick(peopleIds);
    const key = rule ? keyFor(rule) : random.pick(keyIds);
    const instantMs = YEAR_START_MS + Math.floor(random.next() * (YEAR_MS / 1000)) * 1000;
    const factors = random.sample(FACTORS, random.weighted([5, 30, 35, 20, 10]));

    let reason: string | null = null;
    if (random.chance(0.55)) {
      const allowed = rule?.afterHours?.reasons ?? rule?.require?.reasons;
      if (random.chance(0.005)) reason = 'no-such-reason';
      else reason = allowed && random.chance(0.7) ? random.pick(allowed) : random.pick(reasonIds);
    }

    let approver: string | null = null;
    if (random.chance(0.3)) {
      const how = random.weighted([50, 30, 20]);
      const approval = rule?.afterHours?.approval ?? rule?.require?.approval;
      if (how === 0) approver = supervisorOf.get(person) ?? null;
      else if (how === 1)
        approver = holderOf(approval?.startsWith('role:') ? approval.slice(5) : random.pick(roleIds));
      else approver = random.pick(peopleIds);
    }

    let witness: string | null = null;
    if (random.chance(0.25)) {
      const requirement = rule?.afterHours?.witness ?? rule?.require?.witness;
      if (typeof requirement === 'object' && random.chance(0.6))
        witness = holderOf(random.pick(requirement.roles));
      else if (rule && random.chance(0.5)) witness = personFor(rule);
      else witness = random.pick(peopleIds);
    }

    return {
      person,
      key,
      at: new Date(instantMs).toISOString(),
      instantMs,
      factors,
      reason,
      approver,
      witness,
      keysOut: random.weighted([60, 20, 12, 5, 3]),
    };
  };
}

/** The request as one line of the CLI's `--batch` input. */
export function requestLine(request: BenchRequest): string {
  return JSON.stringify({
    person: request.person,
    key: request.key,
    at: request.at,
    factors: request.factors,
    reason: request.reason,
    approver: request.approver,
    witness: request.witness,
    keysOut: request.keysOut,
  });
}

export function generateRequests(policy: PolicyFile, count: number, seed: number): BenchRequest[] {
  const next = createRequestGenerator(policy, seed);
  return Array.from({ length: count }, next);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] ?? join(tmpdir(), 'keywarden-bench-files');
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const raw = generatePolicy();
  const { policy, warnings } = validateGenerated(raw);
  writeFileSync(join(dir, 'policy.yaml'), YAML.stringify(raw));
  writeFileSync(
    join(dir, 'requests.jsonl'),
    `${generateRequests(policy, 10_000, 7).map(requestLine).join('\n')}\n`,
  );
  console.log(
    `wrote ${dir}/policy.yaml (${policy.people.length} people, ${policy.keys.length} keys, ${policy.rules.length} rules, ${warnings} warnings) and ${dir}/requests.jsonl in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
