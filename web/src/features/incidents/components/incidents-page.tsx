/**
 * Incidents: open first, each with its timeline, notes, assignment and closing with a required resolution.
 * Those who may not manage incidents (auditors) see the same pages without the forms.
 */
import { type FormEvent, useState } from 'react';
import type { May } from '../../../lib/permissions';
import { useSiteTimeFormat } from '../../../lib/site-zone';
import { useChangeIncident } from '../api/change-incident';
import { useIncident } from '../api/get-incident';
import { useIncidents } from '../api/get-incidents';
import { usePeopleNames } from '../api/get-people-names';

function textOf(event: FormEvent<HTMLFormElement>, name: string): string {
  return String(new FormData(event.currentTarget).get(name) ?? '').trim();
}

function IncidentPanel(props: { id: string; may: May; onClose: () => void }) {
  const incident = useIncident(props.id);
  const names = usePeopleNames().data;
  const nameOf = (id: string | null) => (id ? (names?.get(id) ?? id) : null);
  const change = useChangeIncident();
  const { when, zone } = useSiteTimeFormat();
  const [resolutionMissing, setResolutionMissing] = useState(false);
  if (incident.isPending) return <p className="empty">Loading the incident…</p>;
  if (incident.isError)
    return (
      <p className="error" role="alert">
        {incident.error.message} Choose another incident from the list.
      </p>
    );
  const item = incident.data;
  const manage = props.may('incidents.manage') && item.status === 'open';
  return (
    <section className="panel" aria-labelledby="incident-title">
      <h2 id="incident-title">
        {item.kind}: {item.summary}
      </h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status status-${item.status}`}>{item.status}</span>
        </dd>
        <dt>Owner</dt>
        <dd>{nameOf(item.owner) ?? 'nobody'}</dd>
        <dt>Person</dt>
        <dd>{nameOf(item.person) ?? '—'}</dd>
        <dt>Key</dt>
        <dd>{item.key ?? '—'}</dd>
        <dt>Opened</dt>
        <dd>{when(item.openedAt)}</dd>
        {item.resolution ? (
          <>
            <dt>Resolution</dt>
            <dd>{item.resolution}</dd>
          </>
        ) : null}
      </dl>
      <h3>Timeline ({zone})</h3>
      <ol className="timeline">
        {item.timeline.map((step, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the timeline is append-only, in order.
          <li key={index}>
            <span className="muted">{when(step.at)}</span> <strong>{step.kind}</strong>
            {step.actor ? ` by ${nameOf(step.actor)}` : ''}
            {step.eventType ? ` (${step.eventType})` : ''}
            {step.text ? `: ${step.text}` : ''}
          </li>
        ))}
      </ol>
      {manage ? (
        <div className="forms">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const text = textOf(event, 'text');
              if (text) change.mutate({ id: item.id, action: 'notes', body: { text } });
              event.currentTarget.reset();
            }}
          >
            <label>
              Add a note
              <textarea name="text" rows={2} required />
            </label>
            <button type="submit" disabled={change.isPending}>
              Add note
            </button>
          </form>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const owner = textOf(event, 'owner');
              if (owner) change.mutate({ id: item.id, action: 'assign', body: { owner } });
            }}
          >
            <label htmlFor="incident-owner">Assign to</label>
            {names ? (
              <select id="incident-owner" name="owner" defaultValue={item.owner ?? ''} required>
                {[...names].map(([id, name]) => (
                  <option key={id} value={id}>
                    {name} ({id})
                  </option>
                ))}
              </select>
            ) : (
              <input id="incident-owner" name="owner" placeholder="p-berg" required />
            )}
            <button type="submit" disabled={change.isPending}>
              Assign
            </button>
          </form>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const resolution = textOf(event, 'resolution');
              setResolutionMissing(resolution === '');
              if (resolution) change.mutate({ id: item.id, action: 'close', body: { resolution } });
            }}
          >
            <label>
              Resolution (required to close)
              <textarea name="resolution" rows={3} aria-invalid={resolutionMissing} />
            </label>
            {resolutionMissing ? (
              <p className="error" role="alert">
                Write what was found and done before closing.
              </p>
            ) : null}
            <button type="submit" className="primary" disabled={change.isPending}>
              Close incident
            </button>
          </form>
          {change.isError ? (
            <p className="error" role="alert">
              {change.error.message}
            </p>
          ) : null}
        </div>
      ) : null}
      <button type="button" onClick={props.onClose}>
        Back to the list
      </button>
    </section>
  );
}

export function IncidentsPage(props: { may: May }) {
  const incidents = useIncidents();
  const names = usePeopleNames().data;
  const [selected, setSelected] = useState<string | null>(null);
  const { when, zone } = useSiteTimeFormat();
  if (selected) return <IncidentPanel id={selected} may={props.may} onClose={() => setSelected(null)} />;
  return (
    <section className="panel" aria-labelledby="incidents-list">
      <h2 id="incidents-list">Incidents</h2>
      <p className="muted">Open first. Times in {zone}.</p>
      {incidents.isError ? (
        <p className="error" role="alert">
          {incidents.error.message} Reload the page to try again.
        </p>
      ) : !incidents.data ? (
        <p className="empty">Loading…</p>
      ) : incidents.data.length === 0 ? (
        <p className="empty">No incidents. They open when a policy consequence says so.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Status</th>
              <th>What</th>
              <th>Owner</th>
              <th>Opened</th>
              <th>Open</th>
            </tr>
          </thead>
          <tbody>
            {incidents.data.map((incident) => (
              <tr key={incident.id}>
                <td>
                  <span className={`status status-${incident.status}`}>{incident.status}</span>
                </td>
                <td>
                  <strong>{incident.kind}</strong>: {incident.summary}
                </td>
                <td>{incident.owner ? (names?.get(incident.owner) ?? incident.owner) : '—'}</td>
                <td>{when(incident.openedAt)}</td>
                <td>
                  <button type="button" onClick={() => setSelected(incident.id)}>
                    Open<span className="visually-hidden"> incident {incident.summary}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
