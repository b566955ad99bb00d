import { formatInZone } from '../../../lib/format-in-zone';
import { useCabinetZones } from '../api/get-cabinet-zones';
import { useKey } from '../api/get-key';
import { useKeyCheckouts } from '../api/get-key-checkouts';
import { usePeopleNames } from '../api/get-people-names';
import { KeyStatusLabel } from './key-status';
import './keys.css';

export function KeyDetail(props: { id: string }) {
  const key = useKey(props.id);
  const history = useKeyCheckouts(props.id);
  const zones = useCabinetZones();
  const names = usePeopleNames();
  if (key.isPending) return <p>Loading the key…</p>;
  if (key.isError)
    return (
      <p className="error" role="alert">
        {key.error.message}. <a href="/console/keys">Back to all keys</a>
      </p>
    );
  const zone = zones.data?.get(key.data.cabinet);
  const when = (iso: string | null, cabinet?: string | null) =>
    formatInZone(iso, (cabinet ? zones.data?.get(cabinet) : undefined) ?? zone);
  const personName = (id: string) => names.data?.get(id) ?? id;
  return (
    <>
      <p>
        <a href="/console/keys">← All keys</a>
      </p>
      <section className="panel key-summary" aria-labelledby="key-heading">
        <h2 id="key-heading">
          {key.data.label} <span className="muted">({key.data.id})</span>
        </h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <KeyStatusLabel status={key.data.status} />
          </dd>
          <dt>Home</dt>
          <dd>
            {key.data.cabinet}, slot {key.data.slot}
          </dd>
          <dt>Group</dt>
          <dd>{key.data.group}</dd>
          <dt>Sensitivity</dt>
          <dd>{key.data.sensitivity}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <p className="muted">Times in the site's zone{zone ? ` (${zone})` : ''}.</p>
        {history.isPending ? (
          <p>Loading the history…</p>
        ) : history.isError ? (
          <p className="error" role="alert">
            The history could not be read: {history.error.message} Reload the page to try again.
          </p>
        ) : history.data.length === 0 ? (
          <p className="empty">No checkout of this key that you may see.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Taken</th>
                <th scope="col">Due</th>
                <th scope="col">Returned</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((checkout) => (
                <tr key={checkout.id}>
                  <td>{personName(checkout.person)}</td>
                  <td>
                    {when(checkout.takenAt, checkout.cabinet)}
                    {checkout.afterHours ? <span className="badge">after hours</span> : null}
                  </td>
                  <td>{when(checkout.dueAt, checkout.cabinet)}</td>
                  <td>
                    {checkout.status === 'open' ? (
                      <strong>still out</strong>
                    ) : (
                      <>
                        {when(checkout.returnedAt, checkout.returnCabinet)}
                        {checkout.late ? <span className="badge">late</span> : null}
                        {checkout.wrongSlot ? (
                          <span className="badge">
                            wrong slot ({checkout.returnCabinet}, slot {checkout.returnSlot})
                          </span>
                        ) : null}
                      </>
                    )}
                  </td>
                  <td>
                    {checkout.reason ?? '—'}
                    {checkout.note ? <span className="muted"> · {checkout.note}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
