import { useMemo, useState } from 'react';
import { usePeople } from '../api/get-people';
import type { Viewer } from './person-page';
import './people.css';

const FACTOR_WORDS: Record<string, string> = {
  pin: 'PIN',
  badge: 'badge',
  fingerprint: 'fingerprint',
  totp: 'authenticator',
  passkey: 'passkey',
};

export function PeopleList(props: { viewer: Viewer }) {
  const [q, setQ] = useState('');
  const [role, setRole] = useState('');
  const people = usePeople({ q, role });
  // The role choices: every job role among the people seen without a role filter.
  const everyone = usePeople({ q: '', role: '' });
  const roles = useMemo(
    () => [...new Set((everyone.data ?? []).flatMap((person) => person.roles))].sort(),
    [everyone.data],
  );
  return (
    <section className="panel" aria-labelledby="people-heading">
      <h2 id="people-heading">{props.viewer.supervisorOnly ? 'Your team' : 'Everyone'}</h2>
      {props.viewer.supervisorOnly ? (
        <p className="muted">As a supervisor you see the people you supervise and yourself.</p>
      ) : null}
      <div className="filter-row">
        <label htmlFor="people-search">Search</label>
        <input
          id="people-search"
          type="search"
          value={q}
          placeholder="Name or id"
          onChange={(event) => setQ(event.target.value)}
        />
        <label htmlFor="people-role">Role</label>
        <select id="people-role" value={role} onChange={(event) => setRole(event.target.value)}>
          <option value="">Any role</option>
          {roles.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      {people.isPending ? (
        <p>Loading people…</p>
      ) : people.isError ? (
        <p className="error" role="alert">
          The people could not be read: {people.error.message} Reload the page to try again.
        </p>
      ) : people.data.length === 0 ? (
        <p className="empty">
          {q || role ? 'No one matches. Clear the search or choose "Any role".' : 'No one to show.'}
        </p>
      ) : (
        <table className="people-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Roles</th>
              <th scope="col">Supervisor</th>
              <th scope="col">Credentials</th>
            </tr>
          </thead>
          <tbody>
            {people.data.map((person) => (
              <tr key={person.id} data-person={person.id}>
                <td>
                  <a href={`/console/people/${encodeURIComponent(person.id)}`}>{person.name}</a>{' '}
                  <span className="muted">{person.id}</span>
                  {person.active ? null : <span className="badge">inactive</span>}
                </td>
                <td>
                  {person.roles.join(', ') || '—'}
                  {person.consoleRoles.length > 0 ? (
                    <span className="muted"> · console: {person.consoleRoles.join(', ')}</span>
                  ) : null}
                </td>
                <td>{person.supervisor ?? '—'}</td>
                <td>{person.factors.map((factor) => FACTOR_WORDS[factor] ?? factor).join(', ') || 'none'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
