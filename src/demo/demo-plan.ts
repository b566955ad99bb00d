/**
 * The demo's script: N days of a police department's key traffic, planned as attempts at local times of
 * the Riverside example's sites. Pure and deterministic for a seed; run-demo.ts plays it through the real
 * services, which decide (so a planned attempt may well be denied, as in life).
 */
import { DateTime } from 'luxon';
import type { FactorKind } from '../domain/policy/policy-file.js';
import { SeededRandom } from './seeded-random.js';

export interface PlannedCheckout {
  kind: 'checkout';
  at: number;
  person: string;
  key: string;
  factors: FactorKind[];
  reason?: string;
  approver?: string;
  witness?: string;
  note?: string;
  /** How long the key is kept if the checkout succeeds. */
  keepMs: number;
  /** Return to another slot than home (a common mistake). */
  wrongSlot?: number;
}

const ZONE = 'America/Chicago';
const HOUR = 3_600_000;
const MINUTE = 60_000;

function at(day: DateTime, hour: number, minute: number): number {
  return day.set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
}

/**
 * Plans `days` days of attempts, starting at local midnight of `start` in the sites' zone.
 * @example planDemo({ start: '2026-11-13', days: 14, seed: 1 }).length // a few hundred attempts
 */
export function planDemo(options: { start: string; days: number; seed: number }): PlannedCheckout[] {
  const random = new SeededRandom(options.seed);
  const plan: PlannedCheckout[] = [];
  const first = DateTime.fromISO(options.start, { zone: ZONE }).startOf('day');
  const officers = ['p-ruiz', 'p-novak'];
  const cars = ['car-101', 'car-102', 'car-103'];

  for (let d = 0; d < options.days; d++) {
    const day = first.plus({ days: d });
    const weekend = day.weekday >= 6;

    // Day shift: each officer takes a car around 07:00, keeps it for the shift; sometimes far too long.
    officers.forEach((person, i) => {
      if (weekend && random.chance(0.5)) return;
      const late = random.chance(0.12);
      plan.push({
        kind: 'checkout',
        at: at(day, 6, 40 + random.between(0, 35)),
        person,
        key: cars[i] as string,
        factors: random.chance(0.85) ? ['badge', 'pin'] : ['pin'],
        reason: 'vehicle-swap',
        keepMs: late
          ? 13 * HOUR + random.between(0, 120) * MINUTE
          : 9 * HOUR + random.between(0, 150) * MINUTE,
        wrongSlot: random.chance(0.05) ? 12 : undefined,
      });
    });

    // Night shift: a car after hours, two factors and a reason; now and then only one factor first.
    const nightOfficer = random.pick(officers);
    const nightAt = at(day, 18, 20 + random.between(0, 60));
    if (random.chance(0.25)) {
      plan.push({
        kind: 'checkout',
        at: nightAt - 2 * MINUTE,
        person: nightOfficer,
        key: 'car-103',
        factors: ['pin'],
        keepMs: 0,
      });
    }
    plan.push({
      kind: 'checkout',
      at: nightAt,
      person: nightOfficer,
      key: 'car-103',
      factors: ['badge', 'pin'],
      reason: random.chance(0.7) ? 'vehicle-swap' : 'incident-response',
      keepMs: 11 * HOUR + random.between(0, 90) * MINUTE,
    });

    // Maintenance: facility keys in the day; an emergency repair at night now and then, approved by her supervisor.
    if (!weekend) {
      plan.push({
        kind: 'checkout',
        at: at(day, 9, random.between(0, 50)),
        person: 'p-haddad',
        key: random.pick(['boiler-room', 'roof-access']),
        factors: ['badge'],
        keepMs: 2 * HOUR + random.between(0, 120) * MINUTE,
      });
    }
    if (random.chance(0.3)) {
      const emergency = at(day, 22, random.between(0, 59));
      const approved = random.chance(0.8);
      plan.push({
        kind: 'checkout',
        at: emergency,
        person: 'p-haddad',
        key: 'boiler-room',
        factors: ['badge', 'pin'],
        reason: 'emergency-repair',
        ...(approved ? { approver: 'p-okafor' } : {}),
        note: 'Boiler pressure alarm',
        keepMs: approved && random.chance(0.2) ? 5 * HOUR : 2 * HOUR,
      });
    }

    // Evidence: the technician in business hours with two factors; an urgent intake at night with a witness.
    if (!weekend && random.chance(0.6)) {
      plan.push({
        kind: 'checkout',
        at: at(day, 13, random.between(0, 59)),
        person: 'p-berg',
        key: 'evidence-1',
        factors: ['badge', 'pin'],
        keepMs: 70 * MINUTE,
      });
    }
    if (random.chance(0.15)) {
      plan.push({
        kind: 'checkout',
        at: at(day, 2, random.between(0, 59)),
        person: 'p-berg',
        key: 'evidence-1',
        factors: ['badge', 'pin', 'totp'],
        reason: 'evidence-intake',
        witness: 'p-chen',
        keepMs: 90 * MINUTE,
      });
    }

    // Armory: a sergeant with the watch commander as witness, once a week or so.
    if (random.chance(0.15)) {
      plan.push({
        kind: 'checkout',
        at: at(day, 15, random.between(0, 59)),
        person: 'p-chen',
        key: 'armory-main',
        factors: ['badge', 'pin'],
        witness: 'p-okafor',
        keepMs: 40 * MINUTE,
      });
    }

    // Denials: an officer tries the armory, a former officer tries a car, a reason that does not fit.
    if (random.chance(0.2))
      plan.push({
        kind: 'checkout',
        at: at(day, 23, random.between(0, 59)),
        person: random.pick(officers),
        key: 'armory-main',
        factors: ['badge', 'pin'],
        reason: 'incident-response',
        keepMs: 0,
      });
    if (random.chance(0.1))
      plan.push({
        kind: 'checkout',
        at: at(day, 12, random.between(0, 59)),
        person: 'p-lee',
        key: 'car-102',
        factors: ['badge'],
        keepMs: 0,
      });
    if (random.chance(0.15))
      plan.push({
        kind: 'checkout',
        at: at(day, 20, random.between(0, 59)),
        person: random.pick(officers),
        key: 'car-201',
        factors: ['badge', 'pin'],
        reason: 'emergency-repair',
        keepMs: 0,
      });
  }
  return plan.sort((a, b) => a.at - b.at);
}
