import { formatInZone } from '../../../lib/format-in-zone';
import { useCabinets } from '../api/get-cabinets';
import { useSiteZones } from '../api/get-site-zones';
import { ConnectionState } from './connection-state';
import './cabinets.css';

export function CabinetsList() {
  const cabinets = useCabinets();
  const zones = useSiteZones();
  if (cabinets.isPending) return <p>Loading cabinets…</p>;
  if (cabinets.isError)
    return (
      <p className="error" role="alert">
        The cabinets could not be read: {cabinets.error.message} Reload the page to try again.
      </p>
    );
  if (cabinets.data.length === 0)
    return (
      <p className="empty">No cabinet yet. Add cabinets to the directory (keywarden directory import).</p>
    );
  return (
    <section className="panel" aria-labelledby="cabinets-heading">
      <h2 id="cabinets-heading">All cabinets</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Cabinet</th>
            <th scope="col">Site</th>
            <th scope="col">Connection</th>
            <th scope="col">Door</th>
            <th scope="col">Keys in / out / missing</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {cabinets.data.map((cabinet) => {
            const zone = zones.data?.get(cabinet.site);
            return (
              <tr key={cabinet.id}>
                <td>
                  <a href={`/console/cabinets/${encodeURIComponent(cabinet.id)}`}>{cabinet.name}</a>{' '}
                  <span className="muted">{cabinet.id}</span>
                </td>
                <td>{cabinet.site}</td>
                <td>
                  <ConnectionState online={cabinet.online} offlineSince={cabinet.offlineSince} zone={zone} />
                </td>
                <td>{cabinet.door ?? 'not reported'}</td>
                <td>
                  {cabinet.keys.in} / {cabinet.keys.out} / {cabinet.keys.missing}
                </td>
                <td>{formatInZone(cabinet.lastSeenAt, zone)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
