/**
 * One person: roles, supervisor, contacts, credentials and lockout, and (admins and key managers) the
 * enrolment panels. A person who holds a console role signs in to the console with their authenticator, so
 * only an admin may replace or revoke it or end their lockout; the API refuses the rest, and this page
 * does not offer it.
 */
import { formatInZone } from '../../../lib/format-in-zone';
import { usePerson } from '../api/get-person';
import { useSiteZone } from '../api/get-site-zone';
import { useUnlockPerson } from '../api/unlock-person';
import { BadgePanel } from './badge-panel';
import { FingerprintPanel } from './fingerprint-panel';
import { PinPanel } from './pin-panel';
import { TotpPanel } from './totp-panel';
import './people.css';

export interface Viewer {
  /** May enrol and revoke credentials (admins and key managers). */
  canManage: boolean;
  isAdmin: boolean;
  /** Sees their team only. */
  supervisorOnly: boolean;
}

export function PersonPage(props: { id: string; viewer: Viewer }) {
  const person = usePerson(props.id);
  const zone = useSiteZone().data;
  const unlock = useUnlockPerson(props.id);
  if (person.isPending) return <p>Loading…</p>;
  if (person.isError)
    return (
      <p className="error" role="alert">
        {person.error.message}. <a href="/console/people">Back to people</a>
      </p>
    );
  const p = person.data;
  const live = p.credentials.filter((credential) => !credential.revokedAt);
  const pin = live.find((credential) => credential.kind === 'pin');
  const totp = live.find((credential) => credential.kind === 'totp');
  const holdsConsoleRole = p.consoleRoles.length > 0;
  // A console user's authenticator and lockout are an admin's to change.
  const mayTouchConsoleFactor = props.viewer.canManage && (!holdsConsoleRole || props.viewer.isAdmin);
  const when = (iso: string | null) => formatInZone(iso, zone);
  return (
    <>
      <p>
        <a href="/console/people">← People</a>
      </p>
      <section className="panel person-summary" aria-labelledby="person-heading">
        <h2 id="person-heading">
          {p.name} <span className="muted">({p.id})</span>
          {p.active ? null : <span className="badge">inactive</span>}
        </h2>
        <dl className="facts">
          <dt>Job roles</dt>
          <dd>{p.roles.join(', ') || '—'}</dd>
          <dt>Console roles</dt>
          <dd>{p.consoleRoles.join(', ') || 'none'}</dd>
          <dt>Supervisor</dt>
          <dd>
            {p.supervisor ? (
              <a href={`/console/people/${encodeURIComponent(p.supervisor)}`}>{p.supervisor}</a>
            ) : (
              '—'
            )}
          </dd>
          <dt>Email</dt>
          <dd>{p.email ?? '—'}</dd>
          <dt>Phone</dt>
          <dd>{p.phone ?? '—'}</dd>
          <dt>Credentials</dt>
          <dd>
            PIN {pin ? 'set' : 'not set'} · {live.filter((c) => c.kind === 'badge').length} badge(s) ·{' '}
            {live.filter((c) => c.kind === 'fingerprint').length} fingerprint(s) · authenticator (TOTP){' '}
            {totp ? 'yes' : 'no'}
          </dd>
          <dt>Lockout</dt>
          <dd>
            {p.lockout.locked ? (
              <strong className="error">Locked until {when(p.lockout.lockedUntil)}</strong>
            ) : (
              'Not locked'
            )}
            <span className="muted">
              {' '}
              · {p.lockout.consecutiveFailures} failed attempt(s) in a row, {p.lockout.lockouts} lockout(s)
              since the last success
            </span>
          </dd>
        </dl>
        {p.lockout.locked && mayTouchConsoleFactor ? (
          <div className="button-row">
            <button type="button" onClick={() => unlock.mutate()} disabled={unlock.isPending}>
              Unlock now
            </button>
          </div>
        ) : null}
        {p.lockout.locked && props.viewer.canManage && !mayTouchConsoleFactor ? (
          <p className="muted">This person holds a console role: only an admin may end their lockout.</p>
        ) : null}
        {unlock.isError ? (
          <p className="error" role="alert">
            Not unlocked: {unlock.error.message}
          </p>
        ) : null}
        <p className="muted">Times in {zone ?? 'the site zone'}.</p>
      </section>
      <div className="panels">
        <PinPanel person={p.id} pin={pin} canManage={props.viewer.canManage} when={when} />
        <BadgePanel person={p.id} credentials={live} canManage={props.viewer.canManage} when={when} />
        <TotpPanel
          person={p.id}
          name={p.name}
          totp={totp}
          canManage={mayTouchConsoleFactor}
          adminOnly={props.viewer.canManage && !mayTouchConsoleFactor}
          when={when}
        />
        <FingerprintPanel person={p.id} credentials={live} canManage={props.viewer.canManage} when={when} />
      </div>
    </>
  );
}
