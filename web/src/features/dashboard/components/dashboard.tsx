/**
 * The live dashboard: what is out, what is overdue, what happened after hours today, what waits for a
 * decision, open incidents, the cabinets, and the signed-in person's recent alerts. Every figure comes from
 * the API with the viewer's own rights (a supervisor sees their team's), and is re-read when an alert
 * arrives and every 15 to 30 seconds.
 */
import { usePendingApprovals } from '../api/get-approvals';
import { useCabinets } from '../api/get-cabinets';
import { type Checkout, useCheckouts } from '../api/get-checkouts';
import { useInbox } from '../api/get-inbox';
import { useOpenIncidents } from '../api/get-incidents';
import { useKeyLabels } from '../api/get-keys';
import { usePeopleNames } from '../api/get-people';
import { useSiteTime } from '../api/get-site-time';

/** Without the cabinet protocol's `online`: a terminal that made no request for this long is offline. */
const ONLINE_WINDOW_MS = 2 * 60_000;

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** "5 keys: 3 in their slots, 2 taken out": keys by status, not slots and not checkouts. */
function cabinetKeys(keys: { in: number; out: number; missing: number }): string {
  const total = keys.in + keys.out + keys.missing;
  const parts = [`${keys.in} in ${keys.in === 1 ? 'its slot' : 'their slots'}`, `${keys.out} taken out`];
  if (keys.missing) parts.push(`${keys.missing} missing`);
  return `${plural(total, 'key')}: ${parts.join(', ')}`;
}

function Tile(props: { label: string; value: number | undefined; tone?: 'alert' | 'ok' }) {
  return (
    <div className={`tile ${props.tone ?? ''}`}>
      <span className="tile-value">{props.value ?? '…'}</span>
      <span className="tile-label">{props.label}</span>
    </div>
  );
}

/**
 * Two different counts meet on this page: checkouts (Keys out now, Overdue, After hours) are the viewer's to
 * read, so a supervisor counts only their team's; the Cabinets card counts every key whose home is the
 * cabinet by its status, whoever holds it. `teamOnly` says the checkouts are a team's, so the page says so.
 */
export function Dashboard(props: { teamOnly?: boolean }) {
  const scope = props.teamOnly ? ' (your team)' : '';
  const time = useSiteTime().data;
  const out = useCheckouts('out', { status: 'open' });
  const overdue = useCheckouts('overdue', time ? { status: 'open', overdueAt: time.now } : null);
  const afterHours = useCheckouts(
    'after-hours-today',
    time ? { afterHours: true, from: time.todayStart } : null,
  );
  const approvals = usePendingApprovals();
  const incidents = useOpenIncidents();
  const cabinets = useCabinets();
  const inbox = useInbox();
  const keys = useKeyLabels();
  const people = usePeopleNames();
  const keyName = (id: string | null) => (id ? (keys.data?.get(id) ?? id) : '—');
  const personName = (id: string | null) => (id ? (people.data?.get(id) ?? id) : '—');
  const serverNow = time ? Date.parse(time.now) : Date.now();
  const online = (cabinets.data ?? []).filter((cabinet) =>
    cabinet.online !== undefined
      ? cabinet.online
      : !!cabinet.lastSeenAt && serverNow - Date.parse(cabinet.lastSeenAt) < ONLINE_WINDOW_MS,
  );
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: time?.timezone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  const when = (iso: string | null) => (iso ? format.format(new Date(iso)) : '—');

  const checkoutRows = (list: Checkout[] | undefined, empty: string) =>
    list && list.length > 0 ? (
      <table>
        <thead>
          <tr>
            <th>Key</th>
            <th>Person</th>
            <th>Taken</th>
            <th>Due</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {list.slice(0, 12).map((checkout) => (
            <tr key={checkout.id}>
              <td>{keyName(checkout.key)}</td>
              <td>{personName(checkout.person)}</td>
              <td>
                {when(checkout.takenAt)}
                {checkout.afterHours ? <span className="badge">after hours</span> : null}
              </td>
              <td>
                {checkout.status === 'returned'
                  ? `returned ${when(checkout.returnedAt)}`
                  : when(checkout.dueAt)}
              </td>
              <td>{checkout.reason ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    ) : (
      <p className="empty">{list ? empty : 'Loading…'}</p>
    );

  return (
    <div className="dashboard">
      {time ? (
        <p className="muted">
          Times at {time.siteName} ({time.timezone}); now {when(time.now)}.
        </p>
      ) : null}
      <section className="tiles" aria-label="Now">
        <Tile label={`Keys out now${scope}`} value={out.data?.length} />
        <Tile
          label={`Overdue${scope}`}
          value={overdue.data?.length}
          tone={overdue.data?.length ? 'alert' : 'ok'}
        />
        <Tile label={`After hours today${scope}`} value={afterHours.data?.length} />
        <Tile
          label="Open approvals"
          value={approvals.data?.length}
          tone={approvals.data?.length ? 'alert' : 'ok'}
        />
        <Tile
          label="Open incidents"
          value={incidents.data?.length}
          tone={incidents.data?.length ? 'alert' : 'ok'}
        />
        <Tile
          label={`Cabinets online of ${cabinets.data?.length ?? '…'}`}
          value={cabinets.data ? online.length : undefined}
        />
      </section>
      <div className="panels">
        <section className="panel" aria-labelledby="panel-out">
          <h2 id="panel-out">Keys out now{scope}</h2>
          {props.teamOnly ? (
            <p className="muted">
              Checkouts by the people you supervise; the Cabinets card counts everyone's.
            </p>
          ) : null}
          {checkoutRows(out.data, 'Every key is in its cabinet.')}
        </section>
        <section className="panel" aria-labelledby="panel-after-hours">
          <h2 id="panel-after-hours">After-hours activity today</h2>
          {checkoutRows(afterHours.data, 'No key was taken after hours today.')}
        </section>
        <section className="panel" aria-labelledby="panel-overdue">
          <h2 id="panel-overdue">Overdue</h2>
          {checkoutRows(overdue.data, 'Nothing is overdue.')}
        </section>
        <section className="panel" aria-labelledby="panel-alerts">
          <h2 id="panel-alerts">Recent alerts</h2>
          {inbox.data && inbox.data.length > 0 ? (
            <ul className="alerts">
              {inbox.data.slice(0, 10).map((message) => (
                <li key={message.id} className={message.readAt ? 'read' : 'unread'}>
                  <strong>{message.subject}</strong> <span className="muted">{when(message.createdAt)}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="empty">{inbox.data ? 'No alerts for you.' : 'Loading…'}</p>
          )}
        </section>
        <section className="panel" aria-labelledby="panel-approvals">
          <h2 id="panel-approvals">Open approvals</h2>
          {approvals.data && approvals.data.length > 0 ? (
            <ul>
              {approvals.data.map((approval) => (
                <li key={approval.id}>
                  {personName(approval.person)} asks for {keyName(approval.key)} (expires{' '}
                  {when(approval.expiresAt)})
                </li>
              ))}
            </ul>
          ) : (
            <p className="empty">{approvals.data ? 'Nothing waits for a decision.' : 'Loading…'}</p>
          )}
        </section>
        <section className="panel" aria-labelledby="panel-incidents">
          <h2 id="panel-incidents">Open incidents</h2>
          {incidents.data && incidents.data.length > 0 ? (
            <ul>
              {incidents.data.slice(0, 10).map((incident) => (
                <li key={incident.id}>
                  <strong>{incident.kind}</strong>: {incident.summary}{' '}
                  <span className="muted">{when(incident.openedAt)}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="empty">{incidents.data ? 'No open incidents.' : 'Loading…'}</p>
          )}
        </section>
        <section className="panel" aria-labelledby="panel-cabinets">
          <h2 id="panel-cabinets">Cabinets</h2>
          <p className="muted">Keys whose home is each cabinet, whoever holds them.</p>
          <ul>
            {(cabinets.data ?? []).map((cabinet) => (
              <li key={cabinet.id}>
                <strong>{cabinet.name}</strong>: {cabinetKeys(cabinet.keys)} ·{' '}
                {online.includes(cabinet) ? (
                  <span className="online">online</span>
                ) : (
                  <span className="offline">
                    offline
                    {(cabinet.offlineSince ?? cabinet.lastSeenAt)
                      ? ` since ${when(cabinet.offlineSince ?? cabinet.lastSeenAt)}`
                      : ''}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}
