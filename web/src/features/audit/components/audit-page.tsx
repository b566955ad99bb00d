/**
 * The audit log: the chain's verification status (cached by the server with its time; "verify now" asks
 * for a new run), the export download, entries with filters (type, person, key, period in the site's zone),
 * and each entry's details (data, hash, previous hash). Read-only for everyone who may open it.
 */
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../../lib/api-client';
import { siteMidnightUtc, useSiteTimeFormat } from '../../../lib/site-zone';
import { type AuditEntry, type AuditFilters, useAuditEntries } from '../api/get-audit-entries';
import { getAuditVerification, useAuditVerification } from '../api/get-audit-verification';

function VerificationStatus() {
  const { when, zone } = useSiteTimeFormat();
  const verification = useAuditVerification();
  const client = useQueryClient();
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const verifyNow = async () => {
    setRunning(true);
    setProblem(null);
    try {
      client.setQueryData(['audit', 'verification'], await getAuditVerification(true));
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : 'The verification failed to run. Try again.');
    } finally {
      setRunning(false);
    }
  };
  const result = verification.data;
  return (
    <section className="panel" aria-labelledby="audit-verification">
      <h2 id="audit-verification">Chain verification</h2>
      {verification.isPending ? (
        <p className="empty">Verifying the audit chain…</p>
      ) : verification.isError || !result ? (
        <p className="error" role="alert">
          The verification could not be read ({verification.error?.message}). Reload the page to try again.
        </p>
      ) : (
        <>
          <p className={result.ok ? 'status-ok' : 'status-bad'} data-testid="audit-chain-status">
            {result.ok
              ? `Verified: ${result.entries} entries intact, ${result.checkpoints} signed checkpoints.`
              : `Broken: ${result.failure?.message ?? 'the chain does not verify'}.`}
          </p>
          <dl className="facts">
            <dt>Signed through entry</dt>
            <dd>{result.attestedThrough || 'none yet'}</dd>
            <dt>Head</dt>
            <dd>{result.head ? `entry ${result.head.seq}` : 'empty log'}</dd>
            <dt>Verified at</dt>
            <dd>
              {when(result.verifiedAt)} ({zone}){result.cached ? ', earlier result' : ''}, in{' '}
              {result.durationMs} ms
            </dd>
          </dl>
          {!result.ok ? (
            <p>
              Run <code>keywarden audit verify</code> on the server for the full report, and keep an export of
              the log as it is now.
            </p>
          ) : null}
          {result.warnings.map((warning) => (
            <p key={warning} className="muted">
              {warning}
            </p>
          ))}
        </>
      )}
      <div className="button-row">
        <button type="button" onClick={verifyNow} disabled={running}>
          {running ? 'Verifying…' : 'Verify now'}
        </button>
        <a className="button-link" href="/api/v1/audit-export" download>
          Download export (JSON Lines)
        </a>
      </div>
      {problem ? (
        <p className="error" role="alert">
          {problem}
        </p>
      ) : null}
      <p className="muted">
        An auditor checks the export with the public key alone:{' '}
        <code>keywarden audit verify --file FILE --public-key KEY.pub.pem</code>. Each export is recorded in
        this log.
      </p>
    </section>
  );
}

function EntryDetails(props: { entry: AuditEntry; onClose: () => void }) {
  const { entry } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  // Opening an entry moves focus (and the view) to its details, for keyboard and screen-reader users too.
  useEffect(() => heading.current?.focus(), []); // remounted per entry (key)
  return (
    <section className="panel entry-details" aria-labelledby="audit-entry-title">
      <h2 id="audit-entry-title" ref={heading} tabIndex={-1}>
        Entry {entry.seq}
      </h2>
      <dl className="facts">
        <dt>Type</dt>
        <dd>{entry.type}</dd>
        <dt>Actor</dt>
        <dd>{entry.actor ?? '—'}</dd>
        <dt>Policy version</dt>
        <dd>{entry.policyVersion ?? '—'}</dd>
        <dt>Hash</dt>
        <dd>
          <code className="hash">{entry.hash}</code>
        </dd>
        <dt>Previous hash</dt>
        <dd>
          <code className="hash">{entry.prevHash}</code>
        </dd>
      </dl>
      <h3>Data</h3>
      <pre className="data">{JSON.stringify(entry.data, null, 2)}</pre>
      <button type="button" onClick={props.onClose}>
        Close details
      </button>
    </section>
  );
}

export function AuditPage() {
  const { when, zone } = useSiteTimeFormat();
  const [filters, setFilters] = useState<AuditFilters>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<AuditEntry | null>(null);
  const entries = useAuditEntries({ ...filters, cursor: cursors.at(-1) });

  const applyFilters = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    const from = text('from');
    const to = text('to');
    setCursors([]);
    setSelected(null);
    setFilters({
      type: text('type'),
      person: text('person'),
      key: text('key'),
      from: from ? siteMidnightUtc(from, zone) : undefined,
      // "to" is inclusive of that whole day: up to the next midnight.
      to: to ? siteMidnightUtc(nextDay(to), zone) : undefined,
    });
  };

  return (
    <div className="section-page">
      <VerificationStatus />
      <section className="panel" aria-labelledby="audit-entries">
        <h2 id="audit-entries">Entries</h2>
        <form className="filters" onSubmit={applyFilters} aria-label="Filter entries">
          <label>
            Type
            <input name="type" placeholder="checkout.denied" />
          </label>
          <label>
            Person
            <input name="person" placeholder="p-ruiz" />
          </label>
          <label>
            Key
            <input name="key" placeholder="car-101" />
          </label>
          <label>
            From (site date)
            <input name="from" type="date" />
          </label>
          <label>
            To (site date)
            <input name="to" type="date" />
          </label>
          <button type="submit">Apply filters</button>
        </form>
        <p className="muted">Times in {zone}. Newest first.</p>
        {entries.isError ? (
          <p className="error" role="alert">
            {entries.error.message} Check the filters and apply them again.
          </p>
        ) : !entries.data ? (
          <p className="empty">Loading…</p>
        ) : entries.data.entries.length === 0 ? (
          <p className="empty">No entry matches these filters. Clear a filter to see more.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Time</th>
                <th>Type</th>
                <th>Actor</th>
                <th>Person</th>
                <th>Key</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.data.entries.map((entry) => (
                <tr key={entry.seq}>
                  <td>{entry.seq}</td>
                  <td>{when(entry.at)}</td>
                  <td>{entry.type}</td>
                  <td>{entry.actor ?? '—'}</td>
                  <td>{entry.person ?? '—'}</td>
                  <td>{entry.key ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => setSelected(entry)}
                      aria-label={`Show entry ${entry.seq}`}
                    >
                      Show
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="button-row">
          <button
            type="button"
            disabled={cursors.length === 0}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            Newer
          </button>
          <button
            type="button"
            disabled={!entries.data?.next}
            onClick={() => entries.data?.next && setCursors([...cursors, entries.data.next])}
          >
            Older
          </button>
        </div>
      </section>
      {selected ? (
        <EntryDetails key={selected.seq} entry={selected} onClose={() => setSelected(null)} />
      ) : null}
    </div>
  );
}

function nextDay(date: string): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}
