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
  /** Supervisors: approvals of their team only; everyone: only requests whose rule names them approver. */
  'approvals.decide': ['admin', 'supervisor'],
  /** Grant and revoke console roles, reset passwords. No HTTP endpoint yet (CLI). */
  'console-users.manage': ['admin'],

  // People, credentials, cabinets and sites (src/people, src/cabinets, src/sites).
  /** The directory's people and their credential summary (never a secret). Supervisors: their team and themselves. */
  'people.read': ALL,
  /** Set PINs, add and revoke badges, enrol and revoke authenticators and fingerprints, end lockouts. */
  'credentials.manage': ['admin', 'key-manager'],
  /** Cabinets with their slots, keys and token counts. */
  'cabinets.read': ALL,
  /** Issue and revoke the tokens cabinet terminals sign with: whoever holds one is that cabinet. */
  'cabinet-tokens.manage': ['admin'],
  /** Sites from the active policy: zone, local time, business hours, holidays. */
  'sites.read': ALL,

  // Console passkeys, API tokens (src/console: passkeys, api-tokens).
  /** Enrol, list and remove one's own passkeys (the console's second factor). Needs a session, not a token. */
  'console.passkeys': ALL,
  /** Create, list and revoke API tokens for integrations. Needs a session, not a token. */
  'api-tokens.manage': ['admin'],

  // Policy versions and approvals over HTTP (src/policy/policy-versions.routes.ts, src/approvals).
  /** Import a policy file as a new draft version (it also fills the directory): administrators only. */
  'policy.manage': ['admin'],
  /**
   * Approve a draft (never one's own). Key managers too: the second person must be someone who knows the
   * keys and the procedure; supervisors and auditors read policy, they do not set it.
   */
  'policy.approve': ['admin', 'key-manager'],
  /** Approval requests. Supervisors: their team's only. */
  'approvals.read': ALL,

  // Notification delivery (src/notifications: settings, webhooks, delivery log, inbox).
  /** SMTP, SMS and webhook settings, dead-letter retries, test messages: administrators only. */
  'notifications.manage': ['admin'],
  /** The delivery log (who was told what, over which channel, and failures). Auditors read everything. */
  'notifications.read': ['admin', 'auditor'],
  /** One's own in-app inbox and its live stream. */
  'inbox.self': ALL,

  // Notification rules, acknowledgements and incidents (src/notifications templates, src/incidents).
  /** Read and preview message templates. */
  'notifications.templates.read': ['admin', 'key-manager', 'auditor'],
  /** Edit or reset a rule's message template. */
  'notifications.templates.edit': ['admin'],
  /** Acknowledge an event (stops its escalation). Supervisors: their team's events or those sent to them. */
  'notifications.acknowledge': ['admin', 'key-manager', 'supervisor'],
  /** Incidents and their timelines. Supervisors: their team's and those they own. */
  'incidents.read': ALL,
  /** Notes, assignment, closing. Supervisors: their team's and those they own; auditors read only. */
  'incidents.manage': ['admin', 'key-manager', 'supervisor'],
} as const satisfies Record<string, readonly ConsoleRole[]>;

export type ConsoleAction = keyof typeof PERMISSIONS;

/** Actions a supervisor holds only over their own team. */
export const TEAM_SCOPED_ACTIONS: ReadonlySet<ConsoleAction> = new Set<ConsoleAction>([
  'checkouts.read',
  'approvals.decide',
  'people.read',
  'approvals.read',
  'notifications.acknowledge',
  'incidents.read',
  'incidents.manage',
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
