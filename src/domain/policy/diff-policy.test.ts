import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffPolicies, type PolicyChange } from './diff-policy.js';
import { parsePolicyText } from './parse-policy.js';
import type { ConsequenceFile, PolicyFile, RuleFile } from './policy-file.js';

const EXAMPLE_TEXT = readFileSync(new URL('../../../examples/riverside-pd.yaml', import.meta.url), 'utf8');
const EXAMPLE = (() => {
  const { policy, problems } = parsePolicyText(EXAMPLE_TEXT);
  if (!policy) throw new Error(`example policy is invalid: ${JSON.stringify(problems)}`);
  return policy;
})();

/** A fresh copy of the example policy, safe to edit in one test. */
const loadExample = (): PolicyFile => structuredClone(EXAMPLE);

function find<T extends { id: string }>(items: T[], id: string): T {
  const item = items.find((candidate) => candidate.id === id);
  if (!item) throw new Error(`no ${id}`);
  return item;
}
const rule = (policy: PolicyFile, id: string): RuleFile => find(policy.rules, id);

/** A consequence with its actions; `then` is the policy format's own field name, not a promise. */
function consequence(fields: Omit<ConsequenceFile, 'then'>, actions: string[]): ConsequenceFile {
  // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
  return { ...fields, then: actions };
}

type Edit = (policy: PolicyFile) => void;
interface Case {
  name: string;
  /** Applied to the "before" copy, for changes easier to write as their reverse. */
  before?: Edit;
  after?: Edit;
  path: string;
  summary: string;
  loosens: boolean;
  kind?: PolicyChange['kind'];
  /** How many changes in all (default 1): a default also changes the rules that inherit it. */
  count?: number;
}

function diffOf(test: Pick<Case, 'before' | 'after'>): PolicyChange[] {
  const before = loadExample();
  const after = loadExample();
  test.before?.(before);
  test.after?.(after);
  return diffPolicies(before, after);
}

function expectOne(changes: PolicyChange[], test: Case): void {
  const atPath = changes.filter((change) => change.path === test.path);
  expect(atPath.map((change) => change.summary)).toEqual([test.summary]);
  expect(atPath[0]?.loosens).toBe(test.loosens);
  if (test.kind) expect(atPath[0]?.kind).toBe(test.kind);
  expect(changes).toHaveLength(test.count ?? 1);
}

const CASES: Record<string, Case[]> = {
  policy: [
    {
      name: 'renamed',
      after: (p) => {
        p.policy.name = 'Riverside key procedure';
      },
      path: 'policy.name',
      summary:
        'Policy name changed from “Riverside PD after-hours key access procedure” to “Riverside key procedure”',
      loosens: false,
    },
    {
      name: 'new owner',
      after: (p) => {
        p.policy.owner = 'p-chen';
      },
      path: 'policy.owner',
      summary: 'Policy owner changed from p-okafor (Grace Okafor) to p-chen (Marcus Chen)',
      loosens: false,
    },
    {
      name: 'reviews less often',
      after: (p) => {
        p.policy.reviewEveryDays = 365;
      },
      path: 'policy.reviewEveryDays',
      summary: 'Procedure review changed from every 180 days to every 365 days',
      loosens: true,
    },
    {
      name: 'reviews more often',
      after: (p) => {
        p.policy.reviewEveryDays = 90;
      },
      path: 'policy.reviewEveryDays',
      summary: 'Procedure review changed from every 180 days to every 90 days',
      loosens: false,
    },
    {
      name: 'access review dropped',
      after: (p) => {
        p.policy.accessReviewEveryDays = undefined;
      },
      path: 'policy.accessReviewEveryDays',
      summary: 'Access review changed from every 90 days to not scheduled',
      loosens: true,
      kind: 'removed',
    },
  ],
  defaults: [
    {
      name: 'more factors',
      after: (p) => {
        p.defaults.afterHours = { ...p.defaults.afterHours, factors: 3 };
      },
      path: 'defaults.afterHours.factors',
      summary: 'Default after-hours factors changed from 2 to 3',
      loosens: false,
      kind: 'changed',
      count: 5,
    },
    {
      name: 'fewer factors',
      after: (p) => {
        p.defaults.afterHours = { ...p.defaults.afterHours, factors: 1 };
      },
      path: 'defaults.afterHours.factors',
      summary: 'Default after-hours factors changed from 2 to 1',
      loosens: true,
      count: 5,
    },
    {
      name: 'approval added',
      after: (p) => {
        p.defaults.afterHours = { ...p.defaults.afterHours, approval: 'role:watch-commander' };
      },
      path: 'defaults.afterHours.approval',
      summary: 'Default after-hours approval set to role:watch-commander (Watch commander)',
      loosens: false,
      kind: 'added',
      count: 5,
    },
    {
      name: 'reason no longer required',
      after: (p) => {
        p.defaults.afterHours = { ...p.defaults.afterHours, reason: undefined };
      },
      path: 'defaults.afterHours.reason',
      summary: 'Default after-hours reason no longer set (was required)',
      loosens: true,
      kind: 'removed',
      count: 6,
    },
    {
      name: 'longer loans',
      after: (p) => {
        p.defaults.afterHours = { ...p.defaults.afterHours, maxDuration: '1d' };
      },
      path: 'defaults.afterHours.maxDuration',
      summary: 'Default after-hours max duration changed from 12h to 1d',
      loosens: true,
      count: 5,
    },
    {
      name: 'factor kinds narrowed',
      after: (p) => {
        p.defaults.afterHours = { ...p.defaults.afterHours, factorKinds: ['pin', 'fingerprint'] };
      },
      path: 'defaults.afterHours.factorKinds',
      summary: 'Default after-hours factor kinds set to pin, fingerprint',
      loosens: false,
      count: 6,
    },
    {
      name: 'witness dropped',
      before: (p) => {
        p.defaults.afterHours = { ...p.defaults.afterHours, witness: { roles: ['sergeant'] } };
      },
      path: 'defaults.afterHours.witness',
      summary: 'Default after-hours witness no longer set (was a Sergeant)',
      loosens: true,
      count: 5,
    },
  ],
  sites: [
    {
      name: 'longer Saturday',
      after: (p) => {
        find(p.sites, 'central').businessHours = {
          ...find(p.sites, 'central').businessHours,
          sat: ['08:00-13:00'],
        };
      },
      path: 'sites[central].businessHours.sat',
      summary: 'Site Central Station: business hours on Saturday changed from 08:00-12:00 to 08:00-13:00',
      loosens: true,
    },
    {
      name: 'shorter Saturday',
      after: (p) => {
        find(p.sites, 'central').businessHours = {
          ...find(p.sites, 'central').businessHours,
          sat: ['09:00-12:00'],
        };
      },
      path: 'sites[central].businessHours.sat',
      summary: 'Site Central Station: business hours on Saturday changed from 08:00-12:00 to 09:00-12:00',
      loosens: false,
    },
    {
      name: 'open on Sunday',
      after: (p) => {
        find(p.sites, 'north').businessHours = {
          ...find(p.sites, 'north').businessHours,
          sun: ['10:00-14:00'],
        };
      },
      path: 'sites[north].businessHours.sun',
      summary: 'Site North Substation: business hours on Sunday changed from closed to 10:00-14:00',
      loosens: true,
      kind: 'added',
    },
    {
      name: 'closed on Friday',
      after: (p) => {
        find(p.sites, 'north').businessHours = { ...find(p.sites, 'north').businessHours, fri: undefined };
      },
      path: 'sites[north].businessHours.fri',
      summary: 'Site North Substation: business hours on Friday changed from 08:00-17:00 to closed',
      loosens: false,
      kind: 'removed',
    },
    {
      name: 'renamed',
      after: (p) => {
        find(p.sites, 'central').name = 'Central HQ';
      },
      path: 'sites[central].name',
      summary: 'Site central: name changed from “Central Station” to “Central HQ”',
      loosens: false,
    },
    {
      name: 'other timezone',
      after: (p) => {
        find(p.sites, 'north').timezone = 'America/Denver';
      },
      path: 'sites[north].timezone',
      summary: 'Site North Substation: timezone changed from America/Chicago to America/Denver',
      loosens: false,
    },
    {
      name: 'closure date dropped',
      after: (p) => {
        find(p.sites, 'central').holidays = { country: 'US', region: 'TX', closed: [] };
      },
      path: 'sites[central].holidays.closed',
      summary: 'Site Central Station: extra closure dates: removed 2026-12-24',
      loosens: true,
    },
    {
      name: 'holiday kept open',
      after: (p) => {
        find(p.sites, 'north').holidays = { country: 'US', region: 'TX', open: ['2026-11-27'] };
      },
      path: 'sites[north].holidays.open',
      summary: 'Site North Substation: holidays kept open: added 2026-11-27',
      loosens: true,
    },
    {
      name: 'holiday calendar dropped',
      after: (p) => {
        find(p.sites, 'north').holidays = { region: 'TX' };
      },
      path: 'sites[north].holidays.country',
      summary: 'Site North Substation: no longer closed on the public holidays of US',
      loosens: true,
    },
    {
      name: 'added',
      after: (p) => {
        p.sites.push({ id: 'east', name: 'East Substation', timezone: 'America/Chicago' });
      },
      path: 'sites[east]',
      summary: 'Site East Substation (east) added in America/Chicago',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'removed',
      before: (p) => {
        p.sites.push({ id: 'east', name: 'East Substation', timezone: 'America/Chicago' });
      },
      path: 'sites[east]',
      summary: 'Site East Substation (east) removed',
      loosens: false,
      kind: 'removed',
    },
  ],
  schedules: [
    {
      name: 'starts earlier',
      after: (p) => {
        find(p.schedules, 'night-shift').windows.mon = ['17:00-07:00'];
      },
      path: 'schedules[night-shift].windows.mon',
      summary: 'Schedule Night shift: windows on Monday changed from 18:00-07:00 to 17:00-07:00',
      loosens: true,
    },
    {
      name: 'runs later past midnight',
      after: (p) => {
        find(p.schedules, 'night-shift').windows.sun = ['18:00-08:00'];
      },
      path: 'schedules[night-shift].windows.sun',
      summary: 'Schedule Night shift: windows on Sunday changed from 18:00-07:00 to 18:00-08:00',
      loosens: true,
    },
    {
      name: 'a night dropped',
      after: (p) => {
        find(p.schedules, 'night-shift').windows.sun = undefined;
      },
      path: 'schedules[night-shift].windows.sun',
      summary: 'Schedule Night shift: windows on Sunday changed from 18:00-07:00 to closed',
      loosens: false,
      kind: 'removed',
    },
    {
      name: 'renamed',
      after: (p) => {
        find(p.schedules, 'night-shift').name = 'Nights';
      },
      path: 'schedules[night-shift].name',
      summary: 'Schedule night-shift: name changed from “Night shift” to “Nights”',
      loosens: false,
    },
    {
      name: 'added',
      after: (p) => {
        p.schedules.push({ id: 'weekend', name: 'Weekend', windows: { sat: ['00:00-24:00'] } });
      },
      path: 'schedules[weekend]',
      summary: 'Schedule Weekend (weekend) added',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'removed',
      before: (p) => {
        p.schedules.push({ id: 'weekend', name: 'Weekend', windows: { sat: ['00:00-24:00'] } });
      },
      path: 'schedules[weekend]',
      summary: 'Schedule Weekend (weekend) removed',
      loosens: false,
      kind: 'removed',
    },
  ],
  cabinets: [
    {
      name: 'more slots',
      after: (p) => {
        find(p.cabinets, 'central-a').slots = 30;
      },
      path: 'cabinets[central-a].slots',
      summary: 'Cabinet central-a (Central lobby cabinet): slots changed from 24 to 30',
      loosens: false,
    },
    {
      name: 'moved site',
      after: (p) => {
        find(p.cabinets, 'north-a').site = 'central';
      },
      path: 'cabinets[north-a].site',
      summary:
        'Cabinet north-a (North cabinet): site changed from North Substation (north) to Central Station (central)',
      loosens: false,
    },
    {
      name: 'added',
      after: (p) => {
        p.cabinets.push({ id: 'north-b', site: 'north', name: 'North garage', slots: 6 });
      },
      path: 'cabinets[north-b]',
      summary: 'Cabinet north-b (North garage) added at North Substation (north) with 6 slots',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'removed',
      before: (p) => {
        p.cabinets.push({ id: 'north-b', site: 'north', name: 'North garage', slots: 6 });
      },
      path: 'cabinets[north-b]',
      summary: 'Cabinet north-b (North garage) removed',
      loosens: false,
      kind: 'removed',
    },
  ],
  keyGroups: [
    {
      name: 'less sensitive',
      after: (p) => {
        find(p.keyGroups, 'armory').sensitivity = 'restricted';
      },
      path: 'keyGroups[armory].sensitivity',
      summary:
        'Key group armory (Armory): sensitivity changed from critical to restricted (keys affected: armory-main)',
      loosens: true,
    },
    {
      name: 'more sensitive',
      after: (p) => {
        find(p.keyGroups, 'facility').sensitivity = 'restricted';
      },
      path: 'keyGroups[facility].sensitivity',
      summary:
        'Key group facility (Facility and maintenance): sensitivity changed from normal to restricted (keys affected: boiler-room, roof-access)',
      loosens: false,
    },
    {
      name: 'renamed',
      after: (p) => {
        find(p.keyGroups, 'armory').name = 'Weapons';
      },
      path: 'keyGroups[armory].name',
      summary: 'Key group armory: name changed from “Armory” to “Weapons”',
      loosens: false,
    },
    {
      name: 'added',
      after: (p) => {
        p.keyGroups.push({ id: 'radios', name: 'Radios' });
      },
      path: 'keyGroups[radios]',
      summary: 'Key group radios (Radios) added with sensitivity normal',
      loosens: false,
      kind: 'added',
    },
  ],
  keys: [
    {
      name: 'added',
      after: (p) => {
        p.keys.push({
          id: 'car-104',
          label: 'Patrol car 104',
          group: 'patrol-cars',
          cabinet: 'central-a',
          slot: 4,
        });
      },
      path: 'keys[car-104]',
      summary: 'Key car-104 added to cabinet central-a slot 4 (Patrol car 104, Patrol vehicles)',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'removed',
      after: (p) => {
        p.keys = p.keys.filter((key) => key.id !== 'car-103');
      },
      path: 'keys[car-103]',
      summary: 'Key car-103 (Patrol car 103) removed from cabinet central-a slot 3',
      loosens: false,
      kind: 'removed',
    },
    {
      name: 'moved',
      after: (p) => {
        Object.assign(find(p.keys, 'car-201'), { cabinet: 'central-a', slot: 5 });
      },
      path: 'keys[car-201].cabinet',
      summary: 'Key car-201 (Patrol car 201) moved from cabinet north-a slot 1 to cabinet central-a slot 5',
      loosens: false,
    },
    {
      name: 'into a less sensitive group',
      after: (p) => {
        find(p.keys, 'evidence-1').group = 'facility';
      },
      path: 'keys[evidence-1].group',
      summary:
        'Key evidence-1 (Evidence room 1): group changed from Evidence room (evidence) to Facility and maintenance (facility), so its sensitivity is now normal (was critical)',
      loosens: true,
    },
    {
      name: 'own sensitivity raised',
      after: (p) => {
        find(p.keys, 'roof-access').sensitivity = 'restricted';
      },
      path: 'keys[roof-access].sensitivity',
      summary:
        'Key roof-access (Roof access): sensitivity changed from normal (from its group) to restricted',
      loosens: false,
    },
    {
      name: 'own sensitivity below its group',
      after: (p) => {
        find(p.keys, 'armory-main').sensitivity = 'normal';
      },
      path: 'keys[armory-main].sensitivity',
      summary:
        'Key armory-main (Armory main door): sensitivity changed from critical (from its group) to normal',
      loosens: true,
    },
    {
      name: 'relabelled',
      after: (p) => {
        find(p.keys, 'car-101').label = 'Car 101';
      },
      path: 'keys[car-101].label',
      summary: 'Key car-101: label changed from “Patrol car 101” to “Car 101”',
      loosens: false,
    },
  ],
  roles: [
    {
      name: 'added',
      after: (p) => {
        p.roles.push({ id: 'dispatcher', name: 'Dispatcher' });
      },
      path: 'roles[dispatcher]',
      summary: 'Role dispatcher (Dispatcher) added',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'removed',
      before: (p) => {
        p.roles.push({ id: 'dispatcher', name: 'Dispatcher' });
      },
      path: 'roles[dispatcher]',
      summary: 'Role dispatcher (Dispatcher) removed',
      loosens: false,
      kind: 'removed',
    },
    {
      name: 'renamed',
      after: (p) => {
        find(p.roles, 'officer').name = 'Officer';
      },
      path: 'roles[officer].name',
      summary: 'Role officer: name changed from “Patrol officer” to “Officer”',
      loosens: false,
    },
  ],
  people: [
    {
      name: 'deactivated',
      after: (p) => {
        find(p.people, 'p-ruiz').active = false;
      },
      path: 'people[p-ruiz].active',
      summary: 'Person p-ruiz (Dana Ruiz) deactivated',
      loosens: false,
    },
    {
      name: 'reactivated',
      after: (p) => {
        find(p.people, 'p-lee').active = true;
      },
      path: 'people[p-lee].active',
      summary: 'Person p-lee (Ana Lee) reactivated',
      loosens: true,
    },
    {
      name: 'gains a role',
      after: (p) => {
        find(p.people, 'p-novak').roles.push('sergeant');
      },
      path: 'people[p-novak].roles',
      summary: 'Person p-novak (Ivan Novak): roles: added Sergeant (sergeant)',
      loosens: true,
    },
    {
      name: 'an inactive person gains a role',
      after: (p) => {
        find(p.people, 'p-lee').roles.push('sergeant');
      },
      path: 'people[p-lee].roles',
      summary: 'Person p-lee (Ana Lee): roles: added Sergeant (sergeant)',
      loosens: false,
    },
    {
      name: 'loses a role',
      after: (p) => {
        find(p.people, 'p-chen').roles = [];
      },
      path: 'people[p-chen].roles',
      summary: 'Person p-chen (Marcus Chen): roles: removed Sergeant (sergeant)',
      loosens: false,
    },
    {
      name: 'new supervisor',
      after: (p) => {
        find(p.people, 'p-ruiz').supervisor = 'p-okafor';
      },
      path: 'people[p-ruiz].supervisor',
      summary:
        'Person p-ruiz (Dana Ruiz): supervisor changed from p-chen (Marcus Chen) to p-okafor (Grace Okafor)',
      loosens: false,
    },
    {
      name: 'phone added',
      after: (p) => {
        find(p.people, 'p-novak').phone = '+15125550103';
      },
      path: 'people[p-novak].phone',
      summary: 'Person p-novak (Ivan Novak): phone set to +15125550103',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'email removed',
      after: (p) => {
        find(p.people, 'p-berg').email = undefined;
      },
      path: 'people[p-berg].email',
      summary: 'Person p-berg (Sven Berg): email removed (was s.berg@riverside.example)',
      loosens: false,
      kind: 'removed',
    },
    {
      name: 'renamed',
      after: (p) => {
        find(p.people, 'p-ruiz').name = 'Dana Ruiz-Ortega';
      },
      path: 'people[p-ruiz].name',
      summary: 'Person p-ruiz: name changed from “Dana Ruiz” to “Dana Ruiz-Ortega”',
      loosens: false,
    },
    {
      name: 'added with a role',
      after: (p) => {
        p.people.push({ id: 'p-kim', name: 'Jo Kim', roles: ['officer'] });
      },
      path: 'people[p-kim]',
      summary: 'Person p-kim (Jo Kim) added with roles Patrol officer (officer)',
      loosens: true,
      kind: 'added',
    },
    {
      name: 'added inactive',
      after: (p) => {
        p.people.push({ id: 'p-kim', name: 'Jo Kim', roles: ['officer'], active: false });
      },
      path: 'people[p-kim]',
      summary: 'Person p-kim (Jo Kim) added (inactive)',
      loosens: false,
    },
    {
      name: 'removed',
      after: (p) => {
        p.people = p.people.filter((person) => person.id !== 'p-lee');
      },
      path: 'people[p-lee]',
      summary: 'Person p-lee (Ana Lee) removed',
      loosens: false,
      kind: 'removed',
    },
  ],
  reasons: [
    {
      name: 'removed',
      after: (p) => {
        p.reasons = p.reasons.filter((reason) => reason.id !== 'emergency-repair');
      },
      path: 'reasons[emergency-repair]',
      summary: 'Reason emergency-repair (Emergency repair) removed',
      loosens: false,
      kind: 'removed',
    },
    {
      name: 'added',
      after: (p) => {
        p.reasons.push({ id: 'training', label: 'Training' });
      },
      path: 'reasons[training]',
      summary: 'Reason training (Training) added',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'relabelled',
      after: (p) => {
        find(p.reasons, 'incident-response').label = 'Incident';
      },
      path: 'reasons[incident-response].label',
      summary: 'Reason incident-response: label changed from “Incident response” to “Incident”',
      loosens: false,
    },
  ],
  rules: [
    {
      name: 'a rule added',
      before: (p) => {
        p.rules = p.rules.filter((item) => item.id !== 'armory-command');
      },
      path: 'rules[armory-command]',
      summary: 'Rule armory-command added: Watch commanders and Sergeants may take Armory keys at any time',
      loosens: true,
      kind: 'added',
    },
    {
      name: 'a rule removed',
      after: (p) => {
        p.rules = p.rules.filter((item) => item.id !== 'night-sergeants-facility');
      },
      path: 'rules[night-sergeants-facility]',
      summary:
        'Rule night-sergeants-facility removed: Sergeants may take Facility and maintenance keys during the Night shift schedule',
      loosens: false,
      kind: 'removed',
    },
    {
      name: 'a role covered',
      after: (p) => {
        rule(p, 'officers-patrol-cars').who.roles?.push('evidence-tech');
      },
      path: 'rules[officers-patrol-cars].who.roles',
      summary: 'Rule officers-patrol-cars: roles: added Evidence technician (evidence-tech)',
      loosens: true,
    },
    {
      name: 'a role no longer covered',
      after: (p) => {
        rule(p, 'officers-patrol-cars').who.roles = ['officer'];
      },
      path: 'rules[officers-patrol-cars].who.roles',
      summary: 'Rule officers-patrol-cars: roles: removed Sergeant (sergeant)',
      loosens: false,
    },
    {
      name: 'a person covered',
      after: (p) => {
        rule(p, 'armory-command').who.people = ['p-berg'];
      },
      path: 'rules[armory-command].who.people',
      summary: 'Rule armory-command: people: added Sven Berg (p-berg)',
      loosens: true,
    },
    {
      name: 'a key covered',
      after: (p) => {
        rule(p, 'maintenance-facility').keys.keys = ['car-101'];
      },
      path: 'rules[maintenance-facility].keys.keys',
      summary: 'Rule maintenance-facility: keys: added Patrol car 101 (car-101)',
      loosens: true,
    },
    {
      name: 'a key group no longer covered',
      after: (p) => {
        rule(p, 'evidence-techs').keys = { groups: [], keys: ['evidence-1'] };
      },
      path: 'rules[evidence-techs].keys.groups',
      summary: 'Rule evidence-techs: key groups: removed Evidence room (evidence)',
      loosens: false,
      count: 2,
    },
    {
      name: 'when widened',
      after: (p) => {
        rule(p, 'night-sergeants-facility').when = 'always';
      },
      path: 'rules[night-sergeants-facility].when',
      summary:
        'Rule night-sergeants-facility: applies at any time instead of during the Night shift schedule (night-shift)',
      loosens: true,
    },
    {
      name: 'when narrowed',
      after: (p) => {
        rule(p, 'maintenance-facility').when = 'business-hours';
      },
      path: 'rules[maintenance-facility].when',
      summary: 'Rule maintenance-facility: applies during business hours instead of at any time',
      loosens: false,
    },
    {
      name: 'when moved to a shorter schedule',
      before: (p) => {
        p.schedules.push({ id: 'late', name: 'Late night', windows: { mon: ['23:00-05:00'] } });
      },
      after: (p) => {
        p.schedules.push({ id: 'late', name: 'Late night', windows: { mon: ['23:00-05:00'] } });
        rule(p, 'night-sergeants-facility').when = 'late';
      },
      path: 'rules[night-sergeants-facility].when',
      summary:
        'Rule night-sergeants-facility: applies during the Late night schedule (late) instead of during the Night shift schedule (night-shift)',
      loosens: false,
    },
    {
      name: 'after hours instead of business hours',
      before: (p) => {
        rule(p, 'maintenance-facility').when = 'business-hours';
      },
      after: (p) => {
        rule(p, 'maintenance-facility').when = 'after-hours';
      },
      path: 'rules[maintenance-facility].when',
      summary: 'Rule maintenance-facility: applies after hours instead of during business hours',
      loosens: true,
    },
    {
      name: 'a new description',
      after: (p) => {
        rule(p, 'armory-command').description = 'Armory: two people, always';
      },
      path: 'rules[armory-command].description',
      summary:
        'Rule armory-command: description changed from “Only watch commanders and sergeants open the armory, never alone” to “Armory: two people, always”',
      loosens: false,
    },
    {
      name: 'an after-hours reason allowed',
      before: (p) => {
        rule(p, 'officers-patrol-cars').afterHours = { reasons: ['vehicle-swap'] };
      },
      path: 'rules[officers-patrol-cars].afterHours.reasons',
      summary: 'Rule officers-patrol-cars: after-hours reasons: added Incident response (incident-response)',
      loosens: true,
    },
    {
      name: 'every after-hours reason allowed',
      after: (p) => {
        rule(p, 'officers-patrol-cars').afterHours = {};
      },
      path: 'rules[officers-patrol-cars].afterHours.reasons',
      summary:
        'Rule officers-patrol-cars: after-hours reasons changed from Fresh patrol vehicle or vehicle swap (vehicle-swap), Incident response (incident-response) to any reason',
      loosens: true,
      kind: 'removed',
    },
    {
      name: 'after-hours approval removed',
      after: (p) => {
        rule(p, 'maintenance-facility').afterHours = { reasons: ['emergency-repair'], maxDuration: '4h' };
      },
      path: 'rules[maintenance-facility].afterHours.approval',
      summary: 'Rule maintenance-facility: after-hours approval changed from supervisor to none',
      loosens: true,
    },
    {
      name: 'after-hours approval by a role instead',
      after: (p) => {
        rule(p, 'maintenance-facility').afterHours = {
          ...rule(p, 'maintenance-facility').afterHours,
          approval: 'role:watch-commander',
        };
      },
      path: 'rules[maintenance-facility].afterHours.approval',
      summary:
        'Rule maintenance-facility: after-hours approval changed from supervisor to role:watch-commander (Watch commander)',
      loosens: false,
    },
    {
      name: 'after-hours witness removed',
      after: (p) => {
        rule(p, 'evidence-techs').afterHours = { factors: 3, reasons: ['evidence-intake'] };
      },
      path: 'rules[evidence-techs].afterHours.witness',
      summary: 'Rule evidence-techs: after-hours witness changed from a Sergeant or Watch commander to none',
      loosens: true,
    },
    {
      name: 'after-hours witness from fewer roles',
      after: (p) => {
        rule(p, 'evidence-techs').afterHours = {
          ...rule(p, 'evidence-techs').afterHours,
          witness: { roles: ['watch-commander'] },
        };
      },
      path: 'rules[evidence-techs].afterHours.witness',
      summary:
        'Rule evidence-techs: after-hours witness changed from a Sergeant or Watch commander to a Watch commander',
      loosens: false,
    },
    {
      name: 'after-hours witness from anyone eligible',
      after: (p) => {
        rule(p, 'evidence-techs').afterHours = { ...rule(p, 'evidence-techs').afterHours, witness: true };
      },
      path: 'rules[evidence-techs].afterHours.witness',
      summary:
        'Rule evidence-techs: after-hours witness changed from a Sergeant or Watch commander to anyone who may take the key',
      loosens: true,
    },
    {
      name: 'a longer after-hours loan',
      after: (p) => {
        rule(p, 'maintenance-facility').afterHours = {
          ...rule(p, 'maintenance-facility').afterHours,
          maxDuration: '6h',
        };
      },
      path: 'rules[maintenance-facility].afterHours.maxDuration',
      summary: 'Rule maintenance-facility: after-hours max duration changed from 4h to 6h',
      loosens: true,
    },
    {
      name: "the rule's own after-hours factors dropped for the defaults",
      after: (p) => {
        rule(p, 'evidence-techs').afterHours = {
          reasons: ['evidence-intake'],
          witness: { roles: ['sergeant', 'watch-commander'] },
        };
      },
      path: 'rules[evidence-techs].afterHours.factors',
      summary: 'Rule evidence-techs: after-hours factors changed from 3 to 2 (from the defaults)',
      loosens: true,
    },
    {
      name: 'after-hours factors written out as the defaults have them',
      after: (p) => {
        rule(p, 'officers-patrol-cars').afterHours = {
          ...rule(p, 'officers-patrol-cars').afterHours,
          factors: 2,
        };
      },
      path: 'rules[officers-patrol-cars].afterHours.factors',
      summary: 'Rule officers-patrol-cars: after-hours factors now set by the rule itself, still 2',
      loosens: false,
    },
    {
      name: 'after-hours factor kinds limited',
      after: (p) => {
        rule(p, 'evidence-techs').afterHours = {
          ...rule(p, 'evidence-techs').afterHours,
          factorKinds: ['pin', 'fingerprint', 'totp'],
        };
      },
      path: 'rules[evidence-techs].afterHours.factorKinds',
      summary:
        'Rule evidence-techs: after-hours factor kinds changed from any kind to pin, fingerprint, totp',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'after-hours reason made optional',
      after: (p) => {
        rule(p, 'maintenance-facility').afterHours = {
          ...rule(p, 'maintenance-facility').afterHours,
          reason: 'optional',
        };
      },
      path: 'rules[maintenance-facility].afterHours.reason',
      summary: 'Rule maintenance-facility: after-hours reason changed from required to optional',
      loosens: true,
    },
    {
      name: 'fewer factors in business hours only',
      after: (p) => {
        rule(p, 'armory-command').require = { ...rule(p, 'armory-command').require, factors: 1 };
      },
      path: 'rules[armory-command].require.factors',
      summary: 'Rule armory-command: business-hours factors changed from 2 to 1',
      loosens: true,
    },
    {
      name: 'more keys out at any time',
      after: (p) => {
        rule(p, 'officers-patrol-cars').require = {
          ...rule(p, 'officers-patrol-cars').require,
          maxKeysOut: 2,
        };
      },
      path: 'rules[officers-patrol-cars].require.maxKeysOut',
      summary: 'Rule officers-patrol-cars: max keys out changed from 1 to 2',
      loosens: true,
    },
    {
      name: 'no witness at any time',
      after: (p) => {
        rule(p, 'armory-command').require = { factors: 2, maxDuration: '1h' };
      },
      path: 'rules[armory-command].require.witness',
      summary: 'Rule armory-command: witness changed from anyone who may take the key to none',
      loosens: true,
      kind: 'removed',
    },
    {
      name: 'a longer loan in business hours',
      after: (p) => {
        rule(p, 'officers-patrol-cars').require = {
          ...rule(p, 'officers-patrol-cars').require,
          maxDuration: '1d',
        };
      },
      path: 'rules[officers-patrol-cars].require.maxDuration',
      summary: 'Rule officers-patrol-cars: business-hours max duration changed from 12h to 1d',
      loosens: true,
    },
  ],
  notifications: [
    {
      name: 'a channel added',
      after: (p) => {
        find(p.notifications, 'after-hours-removal').via.push('webhook');
      },
      path: 'notifications[after-hours-removal].via',
      summary: 'Notification after-hours-removal: now also sent via webhook',
      loosens: false,
    },
    {
      name: 'a channel removed',
      after: (p) => {
        find(p.notifications, 'after-hours-removal').via = ['email'];
      },
      path: 'notifications[after-hours-removal].via',
      summary: 'Notification after-hours-removal: no longer sent via sms',
      loosens: true,
    },
    {
      name: 'a recipient added',
      after: (p) => {
        find(p.notifications, 'overdue').to.push('role:watch-commander');
      },
      path: 'notifications[overdue].to',
      summary: 'Notification overdue: now also sent to role:watch-commander (Watch commander)',
      loosens: false,
    },
    {
      name: 'a recipient removed',
      after: (p) => {
        find(p.notifications, 'overdue').to = ['supervisor'];
      },
      path: 'notifications[overdue].to',
      summary: 'Notification overdue: no longer sent to the person',
      loosens: true,
    },
    {
      name: 'an event no longer announced',
      before: (p) => {
        find(p.notifications, 'critical-key-any-time').on.push('return');
      },
      path: 'notifications[critical-key-any-time].on',
      summary: 'Notification critical-key-any-time: no longer on return',
      loosens: true,
    },
    {
      name: 'an event announced',
      after: (p) => {
        find(p.notifications, 'overdue').on.push('return');
      },
      path: 'notifications[overdue].on',
      summary: 'Notification overdue: now also on return',
      loosens: false,
    },
    {
      name: 'sent at any time',
      after: (p) => {
        find(p.notifications, 'after-hours-removal').when = {};
      },
      path: 'notifications[after-hours-removal].when.afterHours',
      summary: 'Notification after-hours-removal: sent at any time instead of after hours only',
      loosens: false,
      kind: 'removed',
    },
    {
      name: 'sent after hours only',
      after: (p) => {
        find(p.notifications, 'overdue').when = { afterHours: true };
      },
      path: 'notifications[overdue].when.afterHours',
      summary: 'Notification overdue: sent after hours only instead of at any time',
      loosens: true,
    },
    {
      name: 'a sensitivity no longer announced',
      before: (p) => {
        find(p.notifications, 'critical-key-any-time').when = { sensitivity: ['restricted', 'critical'] };
      },
      path: 'notifications[critical-key-any-time].when.sensitivity',
      summary: 'Notification critical-key-any-time: sensitivity filter: no longer for restricted',
      loosens: true,
    },
    {
      name: 'the sensitivity filter dropped',
      after: (p) => {
        find(p.notifications, 'critical-key-any-time').when = {};
      },
      path: 'notifications[critical-key-any-time].when.sensitivity',
      summary: 'Notification critical-key-any-time: sensitivity filter changed from critical to any',
      loosens: false,
    },
    {
      name: 'a site filter added',
      after: (p) => {
        find(p.notifications, 'overdue').when = { sites: ['north'] };
      },
      path: 'notifications[overdue].when.sites',
      summary: 'Notification overdue: site filter changed from any to north',
      loosens: true,
      kind: 'added',
    },
    {
      name: 'escalation removed',
      after: (p) => {
        find(p.notifications, 'critical-key-any-time').escalate = undefined;
      },
      path: 'notifications[critical-key-any-time].escalate',
      summary:
        'Notification critical-key-any-time: no longer escalates (was after 15m to person:p-okafor (Grace Okafor))',
      loosens: true,
      kind: 'removed',
    },
    {
      name: 'escalation later',
      after: (p) => {
        find(p.notifications, 'critical-key-any-time').escalate = { after: '30m', to: ['person:p-okafor'] };
      },
      path: 'notifications[critical-key-any-time].escalate.after',
      summary: 'Notification critical-key-any-time: escalates after 30m instead of 15m',
      loosens: true,
    },
    {
      name: 'escalation to more people',
      after: (p) => {
        find(p.notifications, 'critical-key-any-time').escalate = {
          after: '15m',
          to: ['person:p-okafor', 'role:watch-commander'],
        };
      },
      path: 'notifications[critical-key-any-time].escalate.to',
      summary:
        'Notification critical-key-any-time: escalation now also goes to role:watch-commander (Watch commander)',
      loosens: false,
    },
    {
      name: 'escalation added',
      after: (p) => {
        find(p.notifications, 'overdue').escalate = { after: '1h', to: ['role:watch-commander'] };
      },
      path: 'notifications[overdue].escalate',
      summary: 'Notification overdue: now escalates after 1h to role:watch-commander (Watch commander)',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'a notification added',
      after: (p) => {
        p.notifications.push({
          id: 'door-alarm',
          on: ['door-open'],
          to: ['role:watch-commander'],
          via: ['sms'],
        });
      },
      path: 'notifications[door-alarm]',
      summary:
        'Notification door-alarm added: on door-open, to role:watch-commander (Watch commander), via sms',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'a notification removed',
      after: (p) => {
        p.notifications = p.notifications.filter((item) => item.id !== 'denied-after-hours');
      },
      path: 'notifications[denied-after-hours]',
      summary: 'Notification denied-after-hours removed (was on denied, to the supervisor, via email)',
      loosens: true,
      kind: 'removed',
    },
  ],
  consequences: [
    {
      name: 'a longer lock',
      after: (p) => {
        p.consequences[0] = consequence({ on: 'denied', count: 3, within: '10m' }, [
          'notify:supervisor',
          'lock:1h',
        ]);
      },
      path: 'consequences[0].then',
      summary: 'Consequence 1 (denied): lock changed from 30m to 1h',
      loosens: false,
    },
    {
      name: 'a shorter lock',
      after: (p) => {
        p.consequences[0] = consequence({ on: 'denied', count: 3, within: '10m' }, [
          'notify:supervisor',
          'lock:10m',
        ]);
      },
      path: 'consequences[0].then',
      summary: 'Consequence 1 (denied): lock changed from 30m to 10m',
      loosens: true,
    },
    {
      name: 'no lock',
      after: (p) => {
        p.consequences[0] = consequence({ on: 'denied', count: 3, within: '10m' }, ['notify:supervisor']);
      },
      path: 'consequences[0].then',
      summary: 'Consequence 1 (denied): lock removed (was 30m)',
      loosens: true,
    },
    {
      name: 'no incident',
      after: (p) => {
        p.consequences[1] = consequence({ on: 'overdue', after: '2h' }, ['notify:role:watch-commander']);
      },
      path: 'consequences[1].then',
      summary: 'Consequence 2 (overdue): no longer opens an incident',
      loosens: true,
    },
    {
      name: 'nobody notified',
      after: (p) => {
        p.consequences[2] = consequence({ on: 'unauthorised-removal' }, ['incident']);
      },
      path: 'consequences[2].then',
      summary:
        'Consequence 3 (unauthorised-removal): no longer notifies role:watch-commander (Watch commander)',
      loosens: true,
    },
    {
      name: 'someone else notified too',
      after: (p) => {
        p.consequences[0]?.then.push('notify:role:watch-commander');
      },
      path: 'consequences[0].then',
      summary: 'Consequence 1 (denied): now also notifies role:watch-commander (Watch commander)',
      loosens: false,
    },
    {
      name: 'more denials before it applies',
      after: (p) => {
        p.consequences[0] = consequence({ on: 'denied', count: 5, within: '10m' }, [
          'notify:supervisor',
          'lock:30m',
        ]);
      },
      path: 'consequences[0].count',
      summary: 'Consequence 1 (denied): count changed from 3 to 5',
      loosens: true,
    },
    {
      name: 'a shorter window',
      after: (p) => {
        p.consequences[0] = consequence({ on: 'denied', count: 3, within: '5m' }, [
          'notify:supervisor',
          'lock:30m',
        ]);
      },
      path: 'consequences[0].within',
      summary: 'Consequence 1 (denied): window changed from 10m to 5m',
      loosens: true,
    },
    {
      name: 'later for overdue keys',
      after: (p) => {
        p.consequences[1] = consequence({ on: 'overdue', after: '4h' }, [
          'incident',
          'notify:role:watch-commander',
        ]);
      },
      path: 'consequences[1].after',
      summary: 'Consequence 2 (overdue): applies 4h overdue instead of 2h overdue',
      loosens: true,
    },
    {
      name: 'a consequence added',
      after: (p) => {
        p.consequences.push(consequence({ on: 'overdue', after: '1d' }, ['notify:person:p-okafor']));
      },
      path: 'consequences[3]',
      summary: 'Consequence 4 (overdue) added: after 1d, notifies person:p-okafor (Grace Okafor)',
      loosens: false,
      kind: 'added',
    },
    {
      name: 'a consequence removed',
      after: (p) => {
        p.consequences.shift();
      },
      path: 'consequences[0]',
      summary:
        'Consequence 1 (denied) removed (was 3 times within 10m, notifies the supervisor and locks the person out for 30m)',
      loosens: true,
      kind: 'removed',
    },
  ],
};

describe('diffPolicies', () => {
  for (const [section, cases] of Object.entries(CASES)) {
    describe(section, () => {
      it.each(cases)('reports $name', (test) => {
        const changes = diffOf(test);
        expectOne(changes, test);
        expect(changes.find((change) => change.path === test.path)?.section).toBe(section);
      });
    });
  }

  it.each(Object.values(CASES).flat())('reports $name the other way round with the opposite kind', (test) => {
    const forward = diffOf(test);
    const backward = diffOf({ before: test.after, after: test.before });
    expect(backward).toHaveLength(forward.length);
    const flip = { added: 'removed', removed: 'added', changed: 'changed' } as const;
    expect(backward.map((change) => change.kind).sort()).toEqual(
      forward.map((change) => flip[change.kind]).sort(),
    );
  });

  it('finds nothing between identical policies', () => {
    expect(diffPolicies(EXAMPLE, EXAMPLE)).toEqual([]);
    expect(diffPolicies(EXAMPLE, loadExample())).toEqual([]);
  });

  it('ignores the order of every section but the rules', () => {
    const shuffled = loadExample();
    for (const section of [
      'sites',
      'schedules',
      'cabinets',
      'keyGroups',
      'keys',
      'roles',
      'people',
      'reasons',
      'notifications',
      'consequences',
    ] as const)
      shuffled[section].reverse();
    for (const person of shuffled.people) person.roles.reverse();
    find(shuffled.notifications, 'after-hours-removal').via.reverse();
    rule(shuffled, 'officers-patrol-cars').afterHours?.reasons?.reverse();
    expect(diffPolicies(EXAMPLE, shuffled)).toEqual([]);
  });

  it('keeps the sections in file order and names a section for every change', () => {
    const after = loadExample();
    after.consequences.pop();
    after.policy.name = 'Renamed';
    after.rules.pop();
    expect(diffPolicies(EXAMPLE, after).map((change) => change.section)).toEqual([
      'policy',
      'rules',
      'consequences',
    ]);
  });

  it('shows a permutation of the rules only as reorderings', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(
          EXAMPLE.rules.map((item) => item.id),
          { minLength: EXAMPLE.rules.length },
        ),
        (order) => {
          const after = loadExample();
          after.rules = order.map((id) => rule(EXAMPLE, id));
          const changes = diffPolicies(EXAMPLE, after);
          const same = order.every((id, index) => EXAMPLE.rules[index]?.id === id);
          expect(changes.length === 0).toBe(same);
          expect(changes.length).toBeLessThan(EXAMPLE.rules.length);
          for (const change of changes) expect(change.summary).toMatch(/^Rules reordered: /);
        },
      ),
    );
  });

  it('reports no change for an edit that leaves the meaning alone', () => {
    const after = loadExample();
    // `factors: 1` is the format's default, and a day without windows is closed either way.
    rule(after, 'officers-patrol-cars').require = { maxDuration: '12h', maxKeysOut: 1 };
    find(after.sites, 'central').businessHours = { ...find(after.sites, 'central').businessHours, sun: [] };
    expect(diffPolicies(EXAMPLE, after)).toEqual([]);
  });
});

describe('effective after-hours conditions', () => {
  const summaries = (before: PolicyFile, after: PolicyFile, section: PolicyChange['section']) =>
    diffPolicies(before, after)
      .filter((change) => change.section === section)
      .map((change) => change.summary);

  it('reports a change in the defaults for every rule that inherits it', () => {
    const after = loadExample();
    after.defaults.afterHours = { ...after.defaults.afterHours, factors: 3 };
    // evidence-techs sets its own after-hours factors (3), so the defaults do not reach it.
    expect(summaries(EXAMPLE, after, 'rules')).toEqual([
      'Rule officers-patrol-cars: after-hours factors changed from 2 to 3 (from the defaults)',
      'Rule maintenance-facility: after-hours factors changed from 2 to 3 (from the defaults)',
      'Rule armory-command: after-hours factors changed from 2 to 3 (from the defaults)',
      'Rule night-sergeants-facility: after-hours factors changed from 2 to 3 (from the defaults)',
    ]);
  });

  it('flags a default that loosens every rule inheriting it', () => {
    const after = loadExample();
    after.defaults.afterHours = { factors: 2, maxDuration: '12h' };
    const changes = diffPolicies(EXAMPLE, after);
    expect(
      changes.filter((change) => change.path.endsWith('.afterHours.reason')).map((change) => change.loosens),
    ).toEqual(
      // The default itself and the five rules that inherit it.
      [true, true, true, true, true, true],
    );
    expect(changes.find((change) => change.path === 'rules[armory-command].afterHours.reason')?.summary).toBe(
      'Rule armory-command: after-hours reason changed from required to optional',
    );
  });

  it("reports a value that falls back to the rule's require when a default goes", () => {
    // officers-patrol-cars requires 12h itself, as the default did: nothing changes for it.
    const after = loadExample();
    after.defaults.afterHours = { factors: 2, reason: 'required' };
    expect(summaries(EXAMPLE, after, 'rules')).toEqual([
      "Rule evidence-techs: after-hours max duration changed from 12h to 2h (from the rule's require)",
      "Rule armory-command: after-hours max duration changed from 12h to 1h (from the rule's require)",
      "Rule night-sergeants-facility: after-hours max duration changed from 12h to 2h (from the rule's require)",
    ]);
  });

  it('leaves rules that only apply in business hours out of a change in the defaults', () => {
    const before = loadExample();
    rule(before, 'maintenance-facility').when = 'business-hours';
    const after = structuredClone(before);
    after.defaults.afterHours = { ...after.defaults.afterHours, factors: 3 };
    expect(summaries(before, after, 'rules')).not.toContainEqual(
      expect.stringContaining('maintenance-facility'),
    );
  });

  it('reports a change of require that after hours overrides as a business-hours change only', () => {
    const after = loadExample();
    rule(after, 'evidence-techs').require = { factors: 1, maxDuration: '2h' };
    expect(summaries(EXAMPLE, after, 'rules')).toEqual([
      'Rule evidence-techs: business-hours factors changed from 2 to 1',
    ]);
  });
});

describe('rule order', () => {
  const reorder = (ids: string[]) => {
    const after = loadExample();
    after.rules = ids.map((id) => rule(EXAMPLE, id));
    return diffPolicies(EXAMPLE, after);
  };

  it('reports a rule moved to the top once, naming the rules it now comes before', () => {
    const changes = reorder([
      'armory-command',
      'officers-patrol-cars',
      'maintenance-facility',
      'evidence-techs',
      'night-sergeants-facility',
    ]);
    expect(changes).toEqual([
      {
        kind: 'changed',
        section: 'rules',
        id: 'armory-command',
        path: 'rules[armory-command]',
        summary:
          'Rules reordered: armory-command now before officers-patrol-cars, maintenance-facility, evidence-techs',
        loosens: false,
        before: 3,
        after: 0,
      },
    ]);
  });

  it('reports a rule moved to the bottom with the rules it now comes after', () => {
    const changes = reorder([
      'maintenance-facility',
      'evidence-techs',
      'armory-command',
      'night-sergeants-facility',
      'officers-patrol-cars',
    ]);
    expect(changes.map((change) => change.summary)).toEqual([
      'Rules reordered: officers-patrol-cars now after maintenance-facility, evidence-techs, armory-command, night-sergeants-facility',
    ]);
  });

  it('flags a rule that now decides first and lends the key for longer', () => {
    const before = loadExample();
    before.rules.push({
      id: 'sergeants-facility-day',
      who: { roles: ['sergeant'] },
      keys: { groups: ['facility'] },
      when: 'always',
      require: { maxDuration: '1d' },
      afterHours: { maxDuration: '1d' },
    });
    const after = structuredClone(before);
    after.rules = [...after.rules.slice(0, 4), ...after.rules.slice(4).reverse()];
    const changes = diffPolicies(before, after);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.summary).toMatch(/^Rules reordered: /);
    expect(changes[0]?.loosens).toBe(true);
  });

  it('does not flag a reordering of rules that share no person and key', () => {
    const changes = reorder([
      'officers-patrol-cars',
      'maintenance-facility',
      'evidence-techs',
      'night-sergeants-facility',
      'armory-command',
    ]);
    expect(changes.map((change) => [change.summary, change.loosens])).toEqual([
      ['Rules reordered: armory-command now after night-sergeants-facility', false],
    ]);
  });

  it('does not take a rule added or removed in between for a reordering', () => {
    const after = loadExample();
    after.rules.splice(2, 1);
    after.rules.splice(1, 0, {
      id: 'new-rule',
      who: { people: ['p-ruiz'] },
      keys: { keys: ['car-101'] },
      when: 'always',
    });
    expect(diffPolicies(EXAMPLE, after).map((change) => change.summary)).toEqual([
      'Rule evidence-techs removed: Evidence technicians may take Evidence room keys at any time',
      'Rule new-rule added: Dana Ruiz may take the key Patrol car 101 at any time',
    ]);
  });
});

describe('the Riverside example against an edited copy', () => {
  it('says every change in words and flags those that loosen control', () => {
    const after = loadExample();
    after.defaults.afterHours = { ...after.defaults.afterHours, factors: 3 };
    find(after.sites, 'central').businessHours = {
      ...find(after.sites, 'central').businessHours,
      sat: ['08:00-13:00'],
    };
    after.keys.push({
      id: 'car-104',
      label: 'Patrol car 104',
      group: 'patrol-cars',
      cabinet: 'central-a',
      slot: 4,
    });
    find(after.people, 'p-lee').active = true;
    find(after.people, 'p-ruiz').active = false;
    after.reasons = after.reasons.filter((reason) => reason.id !== 'emergency-repair');
    rule(after, 'maintenance-facility').afterHours = { approval: 'supervisor', maxDuration: '4h' };
    const armory = rule(after, 'armory-command');
    after.rules = [armory, ...after.rules.filter((item) => item !== armory)];
    find(after.notifications, 'after-hours-removal').via.push('webhook');
    after.consequences[0] = consequence({ on: 'denied', count: 3, within: '10m' }, [
      'notify:supervisor',
      'lock:1h',
    ]);

    const changes = diffPolicies(EXAMPLE, after);
    expect(changes.map((change) => `${change.loosens ? '! ' : ''}${change.summary}`)).toEqual([
      'Default after-hours factors changed from 2 to 3',
      '! Site Central Station: business hours on Saturday changed from 08:00-12:00 to 08:00-13:00',
      'Key car-104 added to cabinet central-a slot 4 (Patrol car 104, Patrol vehicles)',
      'Person p-ruiz (Dana Ruiz) deactivated',
      '! Person p-lee (Ana Lee) reactivated',
      'Reason emergency-repair (Emergency repair) removed',
      'Rules reordered: armory-command now before officers-patrol-cars, maintenance-facility, evidence-techs',
      'Rule armory-command: after-hours factors changed from 2 to 3 (from the defaults)',
      'Rule officers-patrol-cars: after-hours factors changed from 2 to 3 (from the defaults)',
      'Rule maintenance-facility: after-hours factors changed from 2 to 3 (from the defaults)',
      '! Rule maintenance-facility: after-hours reasons changed from Emergency repair (emergency-repair) to any reason',
      'Rule night-sergeants-facility: after-hours factors changed from 2 to 3 (from the defaults)',
      'Notification after-hours-removal: now also sent via webhook',
      'Consequence 1 (denied): lock changed from 30m to 1h',
    ]);
    expect(new Set(changes.map((change) => change.path)).size).toBe(changes.length);
  });
});
