/** Badges: each by its last four characters only, added by number and revoked by credential id. */
import { type FormEvent, useState } from 'react';
import { useAddBadge } from '../api/add-badge';
import type { PersonCredential } from '../api/get-person';
import { useRevokeCredential } from '../api/revoke-credential';

export function BadgePanel(props: {
  person: string;
  credentials: PersonCredential[];
  canManage: boolean;
  when: (iso: string | null) => string;
}) {
  const badges = props.credentials.filter((credential) => credential.kind === 'badge');
  const add = useAddBadge(props.person);
  const revoke = useRevokeCredential(props.person);
  const [number, setNumber] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!number.trim()) return;
    add.mutate(number.trim(), { onSuccess: () => setNumber('') });
  };
  return (
    <section className="panel" aria-labelledby="badge-heading">
      <h2 id="badge-heading">Badges</h2>
      {badges.length === 0 ? (
        <p className="empty">No badge.</p>
      ) : (
        <ul className="credential-list">
          {badges.map((badge) => (
            <li key={badge.id}>
              Badge ending <strong>{badge.badgeEnding}</strong>{' '}
              <span className="muted">added {props.when(badge.createdAt)}</span>
              {props.canManage ? (
                <button
                  type="button"
                  onClick={() => revoke.mutate({ kind: 'badge', credential: badge.id })}
                  disabled={revoke.isPending}
                  aria-label={`Revoke badge ending ${badge.badgeEnding}`}
                >
                  Revoke
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {revoke.isError ? (
        <p className="error" role="alert">
          Not revoked: {revoke.error.message}
        </p>
      ) : null}
      {props.canManage ? (
        <form onSubmit={submit} className="inline-form">
          <label htmlFor="badge-number">Badge number</label>
          <input
            id="badge-number"
            value={number}
            autoComplete="off"
            onChange={(event) => setNumber(event.target.value)}
            placeholder="Scan or type the number"
          />
          <button type="submit" disabled={add.isPending || !number.trim()}>
            Add badge
          </button>
        </form>
      ) : null}
      {add.isSuccess ? <p role="status">Badge ending {add.data} added.</p> : null}
      {add.isError ? (
        <p className="error" role="alert">
          The badge was not added: {add.error.message}
        </p>
      ) : null}
    </section>
  );
}
