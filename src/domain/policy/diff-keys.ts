/**
 * Cabinets, key groups and keys compared by id. A lower sensitivity loosens control: critical and restricted keys are
 * the ones notifications and procedures watch most closely.
 */
import { type DiffContext, makeChange, matchById, type PolicyChange, quote } from './diff-model.js';
import { type KeyFile, SENSITIVITIES } from './policy-file.js';

/**
 * Changes to key groups.
 * @example diffKeyGroups(ctx)[0]?.summary // 'Key group armory (Armory): sensitivity changed from critical to restricted (keys affected: armory-main)'
 */
export function diffKeyGroups({ before, after, names }: DiffContext): PolicyChange[] {
  const matched = matchById(before.keyGroups, after.keyGroups);
  const changes: PolicyChange[] = [
    ...matched.removed.map((group) =>
      makeChange(
        'removed',
        'keyGroups',
        group.id,
        `keyGroups[${group.id}]`,
        `Key group ${names.idNamed('group', group.id)} removed`,
        {
          before: group,
        },
      ),
    ),
    ...matched.added.map((group) =>
      makeChange(
        'added',
        'keyGroups',
        group.id,
        `keyGroups[${group.id}]`,
        `Key group ${group.id} (${group.name}) added with sensitivity ${group.sensitivity ?? 'normal'}`,
        { after: group },
      ),
    ),
  ];
  for (const [was, now] of matched.common) {
    const subject = `Key group ${names.idNamed('group', now.id)}`;
    if (was.name !== now.name)
      changes.push(
        makeChange(
          'changed',
          'keyGroups',
          now.id,
          `keyGroups[${now.id}].name`,
          `Key group ${now.id}: name changed from ${quote(was.name)} to ${quote(now.name)}`,
          {
            before: was.name,
            after: now.name,
          },
        ),
      );
    const [a, b] = [was.sensitivity ?? 'normal', now.sensitivity ?? 'normal'];
    if (a !== b) {
      const affected = after.keys.filter((key) => key.group === now.id && key.sensitivity === undefined);
      const list = affected.length > 0 ? ` (keys affected: ${affected.map((key) => key.id).join(', ')})` : '';
      changes.push(
        makeChange(
          'changed',
          'keyGroups',
          now.id,
          `keyGroups[${now.id}].sensitivity`,
          `${subject}: sensitivity changed from ${a} to ${b}${list}`,
          {
            loosens: sensitivityLowered(a, b),
            before: was.sensitivity,
            after: now.sensitivity,
          },
        ),
      );
    }
  }
  return changes;
}

/**
 * Changes to keys.
 * @example diffKeys(ctx)[0]?.summary // 'Key car-104 added to cabinet central-a slot 4 (Patrol car 104, Patrol vehicles)'
 */
export function diffKeys(ctx: DiffContext): PolicyChange[] {
  const { before, after, names } = ctx;
  const matched = matchById(before.keys, after.keys);
  const changes: PolicyChange[] = [
    ...matched.removed.map((key) =>
      makeChange(
        'removed',
        'keys',
        key.id,
        `keys[${key.id}]`,
        `Key ${key.id} (${key.label}) removed from ${place(key)}`,
        {
          before: key,
        },
      ),
    ),
    ...matched.added.map((key) =>
      makeChange(
        'added',
        'keys',
        key.id,
        `keys[${key.id}]`,
        `Key ${key.id} added to ${place(key)} (${key.label}, ${names.group(key.group)})`,
        { after: key },
      ),
    ),
  ];
  for (const [was, now] of matched.common) {
    const at = `keys[${now.id}]`;
    const subject = `Key ${now.id} (${now.label})`;
    if (was.label !== now.label)
      changes.push(
        makeChange(
          'changed',
          'keys',
          now.id,
          `${at}.label`,
          `Key ${now.id}: label changed from ${quote(was.label)} to ${quote(now.label)}`,
          {
            before: was.label,
            after: now.label,
          },
        ),
      );
    if (was.cabinet !== now.cabinet || was.slot !== now.slot)
      changes.push(
        makeChange(
          'changed',
          'keys',
          now.id,
          `${at}.${was.cabinet !== now.cabinet ? 'cabinet' : 'slot'}`,
          `${subject} moved from ${place(was)} to ${place(now)}`,
          {
            before: { cabinet: was.cabinet, slot: was.slot },
            after: { cabinet: now.cabinet, slot: now.slot },
          },
        ),
      );
    const sensitivity = {
      was: names.keySensitivity(before, was.id),
      now: names.keySensitivity(after, now.id),
    };
    const shift =
      sensitivity.was === sensitivity.now
        ? ''
        : `, so its sensitivity is now ${sensitivity.now} (was ${sensitivity.was})`;
    const loosens = sensitivityLowered(sensitivity.was, sensitivity.now);
    if (was.group !== now.group)
      changes.push(
        makeChange(
          'changed',
          'keys',
          now.id,
          `${at}.group`,
          `${subject}: group changed from ${names.named('group', was.group)} to ${names.named('group', now.group)}${shift}`,
          { loosens, before: was.group, after: now.group },
        ),
      );
    else if (was.sensitivity !== now.sensitivity) {
      const show = (own: string | undefined, effective: string) =>
        own === undefined ? `${effective} (from its group)` : effective;
      changes.push(
        makeChange(
          'changed',
          'keys',
          now.id,
          `${at}.sensitivity`,
          `${subject}: sensitivity changed from ${show(was.sensitivity, sensitivity.was)} to ${show(now.sensitivity, sensitivity.now)}`,
          { loosens, before: was.sensitivity, after: now.sensitivity },
        ),
      );
    }
  }
  return changes;
}

function place(key: KeyFile): string {
  return `cabinet ${key.cabinet} slot ${key.slot}`;
}

/**
 * Changes to cabinets.
 * @example diffCabinets(ctx)[0]?.summary // 'Cabinet central-a (Central lobby cabinet): slots changed from 24 to 30'
 */
export function diffCabinets({ before, after, names }: DiffContext): PolicyChange[] {
  const matched = matchById(before.cabinets, after.cabinets);
  const changes: PolicyChange[] = [
    ...matched.removed.map((item) =>
      makeChange(
        'removed',
        'cabinets',
        item.id,
        `cabinets[${item.id}]`,
        `Cabinet ${names.idNamed('cabinet', item.id)} removed`,
        {
          before: item,
        },
      ),
    ),
    ...matched.added.map((item) =>
      makeChange(
        'added',
        'cabinets',
        item.id,
        `cabinets[${item.id}]`,
        `Cabinet ${item.id} (${item.name}) added at ${names.named('site', item.site)} with ${item.slots} slots`,
        { after: item },
      ),
    ),
  ];
  for (const [was, now] of matched.common) {
    const subject = `Cabinet ${names.idNamed('cabinet', now.id)}`;
    const field = (name: string, a: string | number, b: string | number, show: (value: string) => string) => {
      if (a !== b)
        changes.push(
          makeChange(
            'changed',
            'cabinets',
            now.id,
            `cabinets[${now.id}].${name}`,
            `${subject}: ${name} changed from ${show(String(a))} to ${show(String(b))}`,
            { before: a, after: b },
          ),
        );
    };
    field('name', was.name, now.name, quote);
    field('site', was.site, now.site, (id) => names.named('site', id));
    field('slots', was.slots, now.slots, (count) => count);
  }
  return changes;
}

/**
 * Whether a sensitivity went down (critical to restricted, or to normal).
 * @example sensitivityLowered('critical', 'normal') // true
 */
export function sensitivityLowered(before: string, after: string): boolean {
  const rank = (value: string) => SENSITIVITIES.indexOf(value as (typeof SENSITIVITIES)[number]);
  return rank(after) < rank(before);
}
