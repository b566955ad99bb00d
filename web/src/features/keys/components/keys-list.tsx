import { useState } from 'react';
import { KEY_STATUSES, type KeyStatus, useKeys } from '../api/get-keys';
import { KeyStatusLabel } from './key-status';
import './keys.css';

export function KeysList() {
  const [status, setStatus] = useState<KeyStatus | null>(null);
  const keys = useKeys(status);
  return (
    <section className="panel keys-list" aria-labelledby="keys-heading">
      <h2 id="keys-heading">All keys</h2>
      <div className="filter-row">
        <label htmlFor="key-status-filter">Status</label>
        <select
          id="key-status-filter"
          value={status ?? ''}
          onChange={(event) => setStatus((event.target.value || null) as KeyStatus | null)}
        >
          <option value="">Any status</option>
          {KEY_STATUSES.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      {keys.isPending ? (
        <p>Loading keys…</p>
      ) : keys.isError ? (
        <p className="error" role="alert">
          The keys could not be read: {keys.error.message} Reload the page to try again.
        </p>
      ) : keys.data.length === 0 ? (
        <p className="empty">
          {status
            ? `No key is "${status}" now. Choose "Any status" to see every key.`
            : 'There are no keys yet.'}
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Status</th>
              <th scope="col">Home</th>
              <th scope="col">Group</th>
              <th scope="col">Sensitivity</th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((key) => (
              <tr key={key.id}>
                <td>
                  <a href={`/console/keys/${encodeURIComponent(key.id)}`}>{key.label}</a>{' '}
                  <span className="muted">{key.id}</span>
                </td>
                <td>
                  <KeyStatusLabel status={key.status} />
                </td>
                <td>
                  {key.cabinet}, slot {key.slot}
                </td>
                <td>{key.group}</td>
                <td>{key.sensitivity}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
