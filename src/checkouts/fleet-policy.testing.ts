/**
 * A generated policy for tests and benchmarks that need many keys and many people: one depot in Chicago
 * (business hours Mon-Fri 07:00-18:00, Texas holidays), `keys` patrol-car keys in cabinets of up to 100 slots,
 * `officers` officers who may take any car with one factor during business hours (no maxKeysOut, so a person
 * may hold several), and two administrators (p-admin writes the policy, p-approver approves it).
 * 2026-11-25T16:30:00Z is a Wednesday, 10:30 at the depot: business hours.
 */

export interface FleetPolicyOptions {
  keys: number;
  officers: number;
  /** Extra fields for the officers' rule `require` block, e.g. `{ maxKeysOut: 1 }`. */
  require?: Record<string, number | string>;
}

export const FLEET_AUTHOR = 'p-admin';
export const FLEET_APPROVER = 'p-approver';
export const FLEET_CABINET_SLOTS = 100;

const pad = (n: number): string => String(n).padStart(4, '0');

export const fleetKeyId = (index: number): string => `car-${pad(index + 1)}`;
export const fleetOfficerId = (index: number): string => `p-${pad(index + 1)}`;
/** The cabinet and slot a fleet key lives in. */
export function fleetHomeOf(index: number): { cabinet: string; slot: number } {
  return {
    cabinet: `cab-${Math.floor(index / FLEET_CABINET_SLOTS) + 1}`,
    slot: (index % FLEET_CABINET_SLOTS) + 1,
  };
}

/** The policy text (YAML flow style, which is also what a person would write for long lists). */
export function buildFleetPolicy(options: FleetPolicyOptions): string {
  const cabinets = Math.max(1, Math.ceil(options.keys / FLEET_CABINET_SLOTS));
  const require = { factors: 1, maxDuration: '12h', ...options.require };
  const lines = [
    'policy: { name: Fleet depot key policy, owner: p-admin, reviewEveryDays: 180, accessReviewEveryDays: 90 }',
    'defaults: { afterHours: { factors: 2, reason: required, maxDuration: 8h } }',
    'sites:',
    '  - id: depot',
    '    name: Fleet depot',
    '    timezone: America/Chicago',
    '    businessHours: { mon: ["07:00-18:00"], tue: ["07:00-18:00"], wed: ["07:00-18:00"], thu: ["07:00-18:00"], fri: ["07:00-18:00"] }',
    '    holidays: { country: US, region: TX }',
    'cabinets:',
    ...Array.from(
      { length: cabinets },
      (_, i) =>
        `  - { id: cab-${i + 1}, site: depot, name: Depot cabinet ${i + 1}, slots: ${FLEET_CABINET_SLOTS} }`,
    ),
    'keyGroups:',
    '  - { id: cars, name: Patrol cars, sensitivity: normal }',
    'keys:',
    ...Array.from({ length: options.keys }, (_, i) => {
      const home = fleetHomeOf(i);
      return `  - { id: ${fleetKeyId(i)}, label: Car ${i + 1}, group: cars, cabinet: ${home.cabinet}, slot: ${home.slot} }`;
    }),
    'roles:',
    '  - { id: officer, name: Officer }',
    '  - { id: admin, name: Key manager }',
    'people:',
    '  - { id: p-admin, name: Ada Admin, roles: [admin] }',
    '  - { id: p-approver, name: Abe Approver, roles: [admin], supervisor: p-admin }',
    ...Array.from(
      { length: options.officers },
      (_, i) =>
        `  - { id: ${fleetOfficerId(i)}, name: Officer ${i + 1}, roles: [officer], supervisor: p-admin }`,
    ),
    'reasons:',
    '  - { id: shift, label: Shift start }',
    'rules:',
    '  - id: officers-cars',
    '    who: { roles: [officer] }',
    '    keys: { groups: [cars] }',
    `    require: { ${Object.entries(require)
      .map(([field, value]) => `${field}: ${value}`)
      .join(', ')} }`,
    '    afterHours: { reasons: [shift] }',
    'notifications:',
    '  - { id: after-hours, on: [checkout], when: { afterHours: true }, to: [supervisor], via: [email] }',
    'consequences: []',
    '',
  ];
  return lines.join('\n');
}
