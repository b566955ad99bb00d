/**
 * /console: sign-in, then the shell: navigation to each section the signed-in role may open (the API
 * enforces the same table, src/domain/console/console-roles.ts), the dashboard, and a "coming next" page for
 * the sections not built yet.
 */
import { type ConsoleAction, PERMISSIONS } from '../../../../src/domain/console/console-roles';
import { ApprovalsPage } from '../../features/approvals/components/approvals-page';
import { AuditPage } from '../../features/audit/components/audit-page';
import { CabinetsSection } from '../../features/cabinets/components/cabinets-section';
import { useMe } from '../../features/console-auth/api/get-me';
import type { ConsoleUser } from '../../features/console-auth/api/schemas';
import { useSignOut } from '../../features/console-auth/api/sign-out';
import { SignInPage } from '../../features/console-auth/components/sign-in-page';
import { Dashboard } from '../../features/dashboard/components/dashboard';
import { IncidentsPage } from '../../features/incidents/components/incidents-page';
import { KeysSection } from '../../features/keys/components/keys-section';
import { NotificationsPage } from '../../features/notifications/components/notifications-page';
import { PeopleSection } from '../../features/people/components/people-section';
import { PolicyPage } from '../../features/policy/components/policy-page';
import { SettingsPage } from '../../features/settings/components/settings-page';
import { SitesSection } from '../../features/sites/components/sites-section';
import { permissionsOf } from '../../lib/permissions';

const SECTIONS: { path: string; title: string; action: ConsoleAction; next: string }[] = [
  { path: '', title: 'Dashboard', action: 'checkouts.read', next: '' },
  { path: 'keys', title: 'Keys', action: 'keys.read', next: 'each key with its status and history' },
  {
    path: 'cabinets',
    title: 'Cabinets',
    action: 'cabinets.read',
    next: 'a live slot map of each cabinet, and its tokens',
  },
  {
    path: 'people',
    title: 'People',
    action: 'people.read',
    next: 'roles, supervisors and credential enrolment (PIN, badge, fingerprint, TOTP)',
  },
  { path: 'sites', title: 'Sites', action: 'sites.read', next: '' },
  {
    path: 'policy',
    title: 'Policy',
    action: 'policy.read',
    next: 'the current version, the written procedure, diffs, import and approval',
  },
  {
    path: 'approvals',
    title: 'Approvals',
    action: 'approvals.read',
    next: 'deciding approval requests here',
  },
  {
    path: 'incidents',
    title: 'Incidents',
    action: 'incidents.read',
    next: 'each incident with its timeline, notes and closing',
  },
  {
    path: 'notifications',
    title: 'Notifications',
    // Everyone has an inbox; the delivery log inside is for those with notifications.read.
    action: 'inbox.self',
    next: 'rules, the delivery log, dead letters and the inbox',
  },
  {
    path: 'audit',
    title: 'Audit log',
    action: 'audit.read',
    next: 'filters, each entry, the chain verification and export',
  },
  {
    path: 'settings',
    title: 'Settings',
    action: 'notifications.manage',
    next: 'SMTP, SMS, webhooks and API tokens',
  },
];

function may(user: ConsoleUser, action: ConsoleAction): boolean {
  const allowed: readonly string[] = PERMISSIONS[action];
  return user.roles.some((role) => allowed.includes(role));
}

export function ConsoleRoute() {
  const me = useMe();
  const signOut = useSignOut();
  if (me.isPending) return <main className="console-loading">Loading…</main>;
  if (me.isError)
    return (
      <main className="console-loading" role="alert">
        The server cannot be reached. Reload this page in a moment.
      </main>
    );
  const user = me.data;
  if (!user) return <SignInPage />;

  const first = window.location.pathname.replace(/^\/console\/?/, '').split('/')[0] ?? '';
  // Messages link to /console/events/<event> (docs/notifications.md): the notifications section acknowledges it.
  const current = first === 'events' ? 'notifications' : first;
  // What follows the section in the path: /console/keys/<id> -> ['<id>'] (keys, cabinets, people pages).
  const rest = window.location.pathname.split('/').filter(Boolean).slice(2);
  const sections = SECTIONS.filter((section) => may(user, section.action));
  const section = sections.find((candidate) => candidate.path === current);
  return (
    <div className="console-shell">
      <header className="console-header">
        <span className="brand">Keywarden</span>
        <span className="who">
          {user.name} · {user.roles.join(', ')}
        </span>
        <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          Sign out
        </button>
      </header>
      <nav className="console-nav" aria-label="Sections">
        <ul>
          {sections.map((item) => (
            <li key={item.path}>
              <a href={`/console/${item.path}`} aria-current={item === section ? 'page' : undefined}>
                {item.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main className="console-main">
        <h1>{section?.title ?? 'Not available'}</h1>
        {!section ? (
          <p>This section does not exist or your role cannot open it. Choose one from the menu.</p>
        ) : section.path === '' ? (
          <Dashboard teamOnly={user.roles.every((role) => role === 'supervisor')} />
        ) : section.path === 'keys' ? (
          <KeysSection rest={rest} />
        ) : section.path === 'cabinets' ? (
          <CabinetsSection rest={rest} canManageTokens={may(user, 'cabinet-tokens.manage')} />
        ) : section.path === 'people' ? (
          <PeopleSection
            rest={rest}
            viewer={{
              canManage: may(user, 'credentials.manage'),
              isAdmin: user.roles.includes('admin'),
              supervisorOnly: user.roles.every((role) => role === 'supervisor'),
            }}
          />
        ) : section.path === 'sites' ? (
          <SitesSection />
        ) : section.path === 'policy' ? (
          <PolicyPage may={permissionsOf(user.roles)} />
        ) : section.path === 'approvals' ? (
          <ApprovalsPage may={permissionsOf(user.roles)} />
        ) : section.path === 'incidents' ? (
          <IncidentsPage may={permissionsOf(user.roles)} />
        ) : section.path === 'notifications' ? (
          <NotificationsPage
            may={permissionsOf(user.roles)}
            event={first === 'events' ? rest[0] : undefined}
          />
        ) : section.path === 'audit' ? (
          <AuditPage />
        ) : section.path === 'settings' ? (
          <SettingsPage may={permissionsOf(user.roles)} />
        ) : (
          <p className="coming-next">
            Coming next: {section.next}. Until then, use the API (/docs) or the keywarden command.
          </p>
        )}
      </main>
    </div>
  );
}
