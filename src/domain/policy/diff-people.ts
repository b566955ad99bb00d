/**
 * Roles, people and reasons compared by id. A person who gains a role or is reactivated
 * gains access: that loosens control as much as a wider rule does.
 */
import {
  type DiffContext,
  describeDelta,
  isEmptyDelta,
  kindOf,
  listDelta,
  makeChange,
  matchById,
  type PolicyChange,
  quote,
} from './diff-model.js';

/**
 * Changes to roles.
 * @example diffRoles(ctx)[0]?.summary // 'Role dispatcher (Dispatcher) added'
 */
export function diffRoles({ before, after }: DiffContext): PolicyChange[] {
  const matched = matchById(before.roles, after.roles);
  return [
    ...matched.removed.map((role) =>
      makeChange('removed', 'roles', role.id, `roles[${role.id}]`, `Role ${role.id} (${role.name}) removed`, {
        before: role,
      }),
    ),
    ...matched.added.map((role) =>
      makeChange('added', 'roles', role.id, `roles[${role.id}]`, `Role ${role.id} (${role.name}) added`, {
        after: role,
      }),
    ),
    ...matched.common
      .filter(([was, now]) => was.name !== now.name)
      .map(([was, now]) =>
        makeChange(
          'changed',
          'roles',
          now.id,
          `roles[${now.id}].name`,
          `Role ${now.id}: name changed from ${quote(was.name)} to ${quote(now.name)}`,
          {
            before: was.name,
            after: now.name,
          },
        ),
      ),
  ];
}

/**
 * Changes to reasons.
 * @example diffReasons(ctx)[0]?.summary // 'Reason emergency-repair (Emergency repair) removed'
 */
export function diffReasons({ before, after }: DiffContext): PolicyChange[] {
  const matched = matchById(before.reasons, after.reasons);
  return [
    ...matched.removed.map((reason) =>
      makeChange(
        'removed',
        'reasons',
        reason.id,
        `reasons[${reason.id}]`,
        `Reason ${reason.id} (${reason.label}) removed`,
        {
          before: reason,
        },
      ),
    ),
    ...matched.added.map((reason) =>
      makeChange(
        'added',
        'reasons',
        reason.id,
        `reasons[${reason.id}]`,
        `Reason ${reason.id} (${reason.label}) added`,
        {
          after: reason,
        },
      ),
    ),
    ...matched.common
      .filter(([was, now]) => was.label !== now.label)
      .map(([was, now]) =>
        makeChange(
          'changed',
          'reasons',
          now.id,
          `reasons[${now.id}].label`,
          `Reason ${now.id}: label changed from ${quote(was.label)} to ${quote(now.label)}`,
          { before: was.label, after: now.label },
        ),
      ),
  ];
}

/**
 * Changes to people.
 * @example diffPeople(ctx)[0]?.summary // 'Person p-lee (Ana Lee) deactivated'
 */
export function diffPeople({ before, after, names }: DiffContext): PolicyChange[] {
  const matched = matchById(before.people, after.people);
  const changes: PolicyChange[] = [
    ...matched.removed.map((person) =>
      makeChange(
        'removed',
        'people',
        person.id,
        `people[${person.id}]`,
        `Person ${person.id} (${person.name}) removed`,
        {
          before: person,
        },
      ),
    ),
    ...matched.added.map((person) => {
      const active = person.active !== false;
      const roles = person.roles.map((id) => names.named('role', id));
      const what = active
        ? roles.length > 0
          ? ` with roles ${roles.join(', ')}`
          : ' with no roles'
        : ' (inactive)';
      return makeChange(
        'added',
        'people',
        person.id,
        `people[${person.id}]`,
        `Person ${person.id} (${person.name}) added${what}`,
        {
          loosens: active && roles.length > 0,
          after: person,
        },
      );
    }),
  ];
  for (const [was, now] of matched.common) {
    const at = `people[${now.id}]`;
    const subject = `Person ${now.id} (${now.name})`;
    const wasActive = was.active !== false;
    const nowActive = now.active !== false;
    if (wasActive !== nowActive)
      changes.push(
        makeChange(
          'changed',
          'people',
          now.id,
          `${at}.active`,
          `${subject} ${nowActive ? 'reactivated' : 'deactivated'}`,
          {
            loosens: nowActive,
            before: was.active,
            after: now.active,
          },
        ),
      );
    if (was.name !== now.name)
      changes.push(
        makeChange(
          'changed',
          'people',
          now.id,
          `${at}.name`,
          `Person ${now.id}: name changed from ${quote(was.name)} to ${quote(now.name)}`,
          {
            before: was.name,
            after: now.name,
          },
        ),
      );
    const roles = listDelta(was.roles, now.roles);
    if (!isEmptyDelta(roles))
      changes.push(
        makeChange(
          'changed',
          'people',
          now.id,
          `${at}.roles`,
          `${subject}: roles: ${describeDelta(roles, (id) => names.named('role', id))}`,
          {
            loosens: nowActive && roles.added.length > 0,
            before: was.roles,
            after: now.roles,
          },
        ),
      );
    const contact = [
      { field: 'supervisor', show: (id: string) => names.idNamed('person', id) },
      { field: 'email', show: (text: string) => text },
      { field: 'phone', show: (text: string) => text },
    ] as const;
    for (const { field, show } of contact) {
      const [a, b] = [was[field], now[field]];
      if (a === b) continue;
      const text =
        a === undefined
          ? `${field} set to ${show(b ?? '')}`
          : b === undefined
            ? `${field} removed (was ${show(a)})`
            : `${field} changed from ${show(a)} to ${show(b)}`;
      changes.push(
        makeChange(kindOf(a, b), 'people', now.id, `${at}.${field}`, `${subject}: ${text}`, {
          before: a,
          after: b,
        }),
      );
    }
  }
  return changes;
}
