/**
 * The console's Sites section: each site's local time (in its own zone, named), whether it is after hours
 * now and why, its business hours, this year's holidays and closures, and its cabinets; then the policy's
 * schedules. Read-only: hours, holidays and schedules come from the active policy version (change them there).
 */
import { formatInZone } from '../../../lib/format-in-zone';
import { type Site, useSites } from '../api/get-sites';
import { SchedulesList } from './schedules-list';
import './sites.css';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_NAMES: Record<string, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};
const STATUS_WORDS: Record<Site['status'], string> = {
  'business-hours': 'Business hours',
  'outside-business-hours': 'After hours: outside business hours',
  holiday: 'After hours: holiday',
  closure: 'After hours: local closure',
};

export function SitesSection() {
  const sites = useSites();
  if (sites.isPending) return <p>Loading sites…</p>;
  if (sites.isError)
    return (
      <p className="error" role="alert">
        The sites could not be read: {sites.error.message} Reload the page to try again.
      </p>
    );
  return (
    <>
      {sites.data.sites.length === 0 ? (
        <p className="empty">No site yet. Sites come from the directory (keywarden directory import).</p>
      ) : (
        <div className="sites section-page">
          {sites.data.sites.map((site) => (
            <SiteCard key={site.id} site={site} />
          ))}
        </div>
      )}
      <SchedulesList schedules={sites.data.schedules} />
    </>
  );
}

function SiteCard({ site }: { site: Site }) {
  // Days named in the policy but outside the usual week (unlikely) still show.
  const days = [...DAYS, ...Object.keys(site.businessHours).filter((day) => !DAYS.includes(day))];
  return (
    <section className="panel site-card" aria-labelledby={`site-${site.id}`}>
      <h2 id={`site-${site.id}`}>
        {site.name} <span className="muted">({site.id})</span>
      </h2>
      <p className="site-now">
        <span className="site-local-time">{formatInZone(site.localTime, site.timezone)}</span>{' '}
        <span className="muted">{site.timezone}</span>
      </p>
      <p className={site.afterHours ? 'site-after-hours' : 'site-business-hours'}>
        {STATUS_WORDS[site.status]}
        {site.closedFor ? ` (${site.closedFor})` : ''}
      </p>
      <h3>Business hours</h3>
      <table>
        <tbody>
          {days.map((day) => (
            <tr key={day}>
              <th scope="row">{DAY_NAMES[day] ?? day}</th>
              <td>{site.businessHours[day]?.join(', ') || 'closed'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>
        Holidays and closures in {site.holidays.year}
        {site.holidays.country ? (
          <span className="muted">
            {' '}
            · {site.holidays.country}
            {site.holidays.region ? `-${site.holidays.region}` : ''}
          </span>
        ) : null}
      </h3>
      {site.holidays.days.length === 0 ? (
        <p className="empty">None this year.</p>
      ) : (
        <ul className="holiday-list">
          {site.holidays.days.map((day) => (
            <li key={`${day.date}-${day.name}`}>
              <time dateTime={day.date}>{day.date}</time> {day.name}
              {day.kind === 'closure' ? <span className="badge">closure</span> : null}
              {day.from ? <span className="muted"> from {day.from}</span> : null}
            </li>
          ))}
        </ul>
      )}
      <h3>Cabinets</h3>
      {site.cabinets.length === 0 ? (
        <p className="empty">No cabinet at this site.</p>
      ) : (
        <ul>
          {site.cabinets.map((cabinet) => (
            <li key={cabinet.id}>
              <a href={`/console/cabinets/${encodeURIComponent(cabinet.id)}`}>{cabinet.name}</a>
            </li>
          ))}
        </ul>
      )}
      <p className="muted">From policy version {site.policyVersion}.</p>
    </section>
  );
}
