/**
 * Console roles and what each may do. A route declares the action it needs (`requirePermission('keys.read')`
 * or its line in src/console/protect-read-routes.ts); this table says which roles hold it. Actions marked
 * team-scoped are held by supervisors only over their own team (the people whose supervisor chain includes
 * them): the route must also check the object.
 */

export const CONSOLE_ROLES = ['admin', 'key-manager', 'supervisor', 'auditor'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

const ALL: readonly ConsoleRole[] = CONSOLE_ROLES;

/** Action -> the roles that may take it. Auditors read everything and change nothing. */
export const PERMISSIONS = {
  /** Who am I, sign out. */
  'console.self': ALL,
  'keys.read': ALL,
  /** Supervisors: their team's checkouts only. */
  'checkouts.read': ALL,
  /** Audit entries are not filtered by person: not for supervisors. */
  'audit.read': ['admin', 'key-manager', 'auditor'],
  'policy.read': ALL,
  /** The status page at /: every open checkout and the latest audit entries, unfiltered. */
  'status.read': ['admin', 'key-manager', 'auditor'],
  /** Supervisors: approvals of their team only. No HTTP endpoint yet. */
  'approvals.decide': ['admin', 'supervisor'],
  /** Grant and revoke console roles, reset passwords. No HTTP endpoint yet (CLI). */
  'console-users.manage': ['admin'],
} as const satisfies Record<string, readonly ConsoleRole[]>;

export type ConsoleAction = keyof typeof PERMISSIONS;

/** Actions a supervisor holds only over their own team. */
export const TEAM_SCOPED_ACTIONS: ReadonlySet<ConsoleAction> = new Set<ConsoleAction>([
  'checkouts.read',
  'approvals.decide',
]);

export function isConsoleRole(text: string): text is ConsoleRole {
  return (CONSOLE_ROLES as readonly string[]).includes(text);
}

/**
 * Whether any of `roles` may take `action` (before any object check).
 * @example allows(['auditor'], 'audit.read') // true
 * @example allows(['auditor'], 'approvals.decide') // false
 */
export function allows(roles: readonly ConsoleRole[], action: ConsoleAction): boolean {
  const allowed: readonly ConsoleRole[] = PERMISSIONS[action];
  return roles.some((role) => allowed.includes(role));
}

/**
 * Whether `roles` reach `action` only through the supervisor role, so the object must be in the team.
 * @example onlyOverTeam(['supervisor'], 'checkouts.read') // true
 * @example onlyOverTeam(['supervisor', 'auditor'], 'checkouts.read') // false
 */
export function onlyOverTeam(roles: readonly ConsoleRole[], action: ConsoleAction): boolean {
  if (!TEAM_SCOPED_ACTIONS.has(action)) return false;
  const allowed: readonly ConsoleRole[] = PERMISSIONS[action];
  return !roles.some((role) => role !== 'supervisor' && allowed.includes(role));
}

/**
 * The people a person supervises, directly or down the chain (not themself), from (id, supervisor) pairs.
 * @example teamOf('p-chen', [{ id: 'p-ruiz', supervisor: 'p-chen' }]) // Set { 'p-ruiz' }
 */
export function teamOf(
  supervisor: string,
  people: readonly { id: string; supervisor: string | null }[],
): Set<string> {
  const reports = new Map<string, string[]>();
  for (const person of people) {
    if (person.supervisor === null) continue;
    const list = reports.get(person.supervisor) ?? [];
    list.push(person.id);
    reports.set(person.supervisor, list);
  }
  const team = new Set<string>();
  const queue = [...(reports.get(supervisor) ?? [])];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (team.has(id) || id === supervisor) continue;
    team.add(id);
    queue.push(...(reports.get(id) ?? []));
  }
  return team;
}
