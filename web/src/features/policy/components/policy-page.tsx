/**
 * The policy: the active version with its next review date and written procedure (the API's HTML in a
 * sandboxed frame: no scripts, its own strict CSP), every version, a readable diff between two (changes that
 * loosen control first), import (paste or upload YAML; every problem with its line) for administrators, and
 * approval of a draft by a second person (the API refuses the author and says why).
 */
import { type ChangeEvent, useState } from 'react';
import { ApiError } from '../../../lib/api-client';
import type { May } from '../../../lib/permissions';
import { useSiteTimeFormat } from '../../../lib/site-zone';
import { useApprovePolicy } from '../api/approve-policy';
import { usePolicyDiff } from '../api/get-policy-diff';
import { usePolicyVersion } from '../api/get-policy-version';
import { type PolicyVersion, usePolicyVersions } from '../api/get-policy-versions';
import { type PolicyProblem, problemSchema, useImportPolicy } from '../api/import-policy';

function ActiveVersion(props: { active: PolicyVersion }) {
  const detail = usePolicyVersion(props.active.version);
  const { when, day } = useSiteTimeFormat();
  const review = detail.data?.review;
  return (
    <section className="panel" aria-labelledby="policy-active">
      <h2 id="policy-active">
        Active: version {props.active.version}, {props.active.name}
      </h2>
      <dl className="facts">
        <dt>Written by</dt>
        <dd>{props.active.createdBy}</dd>
        <dt>Approved</dt>
        <dd>
          {props.active.approvedBy ?? '—'}, {when(props.active.approvedAt)}
        </dd>
        <dt>Next review</dt>
        <dd data-testid="policy-next-review">
          {review?.nextAt
            ? `${day(review.nextAt)} (every ${review.everyDays} days)`
            : review
              ? 'not set: add reviewEveryDays to the policy header'
              : '…'}
        </dd>
      </dl>
      <h3>Written procedure</h3>
      <iframe
        className="procedure"
        title={`Written procedure of version ${props.active.version}`}
        src={`/api/v1/policy-versions/${props.active.version}/procedure?format=html`}
        // No scripts (and the page's own CSP is default-src 'none'); same origin only so assistive tools and
        // accessibility checkers can read the text.
        sandbox="allow-same-origin"
      />
      <p>
        <a href={`/api/v1/policy-versions/${props.active.version}/procedure?format=md`}>
          Procedure as Markdown
        </a>
      </p>
    </section>
  );
}

function DiffView(props: {
  versions: PolicyVersion[];
  initial: { version: number; against: number } | null;
}) {
  const [pair, setPair] = useState(props.initial);
  const diff = usePolicyDiff(pair);
  const choose = (field: 'version' | 'against') => (event: ChangeEvent<HTMLSelectElement>) => {
    const value = Number(event.target.value);
    setPair((current) => ({
      version: current?.version ?? value,
      against: current?.against ?? value,
      [field]: value,
    }));
  };
  const options = props.versions.map((version) => (
    <option key={version.version} value={version.version}>
      {version.version} ({version.status})
    </option>
  ));
  return (
    <section className="panel" aria-labelledby="policy-diff">
      <h2 id="policy-diff">Compare versions</h2>
      <div className="filters">
        <label>
          From
          <select value={pair?.against ?? ''} onChange={choose('against')}>
            <option value="">choose</option>
            {options}
          </select>
        </label>
        <label>
          To
          <select value={pair?.version ?? ''} onChange={choose('version')}>
            <option value="">choose</option>
            {options}
          </select>
        </label>
      </div>
      {!pair || pair.version === pair.against ? (
        <p className="empty">Choose two different versions.</p>
      ) : diff.isError ? (
        <p className="error" role="alert">
          {diff.error.message}
        </p>
      ) : !diff.data ? (
        <p className="empty">Comparing…</p>
      ) : diff.data.changes.length === 0 ? (
        <p className="empty">The two versions set the same rules.</p>
      ) : (
        <>
          <p>
            {diff.data.changes.length} changes from version {diff.data.from} to {diff.data.to};{' '}
            <strong>{diff.data.loosening} loosen control</strong> (listed first).
          </p>
          <ul className="changes" data-testid="policy-diff-changes">
            {diff.data.changes.map((change) => (
              <li key={`${change.path}-${change.kind}`} className={change.loosens ? 'loosens' : ''}>
                {change.loosens ? <span className="badge">loosens</span> : null} {change.summary}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ImportForm() {
  const [source, setSource] = useState('');
  const importer = useImportPolicy();
  // Errors first (they stop the import), then warnings, each in file order.
  const problems: PolicyProblem[] = (
    importer.error instanceof ApiError
      ? (problemSchema.array().safeParse(importer.error.details?.problems).data ?? [])
      : []
  ).sort(
    (a, b) =>
      Number(a.severity === 'warning') - Number(b.severity === 'warning') || (a.line ?? 0) - (b.line ?? 0),
  );
  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) setSource(await file.text());
  };
  return (
    <section className="panel" aria-labelledby="policy-import">
      <h2 id="policy-import">Import a policy file</h2>
      <p className="muted">
        The file becomes a draft; its rules apply once a second administrator or key manager approves it.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (source.trim()) importer.mutate(source);
        }}
      >
        <label>
          YAML file
          <input type="file" accept=".yaml,.yml,.json,text/yaml" onChange={upload} />
        </label>
        <label>
          Or paste it
          <textarea
            value={source}
            onChange={(event) => setSource(event.target.value)}
            rows={10}
            spellCheck={false}
            className="code"
          />
        </label>
        <button type="submit" className="primary" disabled={importer.isPending || !source.trim()}>
          Import as draft
        </button>
      </form>
      {importer.isSuccess ? (
        <p role="status">
          Imported as draft version {importer.data.version.version}. Ask a second person to approve it below.
          {importer.data.warnings.length > 0 ? ` ${importer.data.warnings.length} warnings:` : ''}
        </p>
      ) : null}
      {importer.isError ? (
        <div role="alert">
          <p className="error">
            {problems.length > 0
              ? 'The file was not imported. Fix these and import it again:'
              : importer.error.message}
          </p>
          {problems.length > 0 ? (
            <ul className="problems">
              {problems.map((problem) => (
                <li key={`${problem.path}-${problem.message}`}>
                  <strong>{problem.severity === 'error' ? 'Error' : 'Warning'}</strong>,{' '}
                  {problem.line ? `line ${problem.line}` : 'the file'} ({problem.path}): {problem.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {importer.data?.warnings.length ? (
        <ul className="problems">
          {importer.data.warnings.map((problem) => (
            <li key={`${problem.path}-${problem.message}`}>
              <strong>Warning</strong>, {problem.line ? `line ${problem.line}` : 'the file'} ({problem.path}):{' '}
              {problem.message}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function ApproveButton(props: { version: number }) {
  const approve = useApprovePolicy();
  return (
    <>
      <button
        type="button"
        className="primary"
        onClick={() => approve.mutate(props.version)}
        disabled={approve.isPending}
      >
        Approve version {props.version}
      </button>
      {approve.isError ? (
        <span className="error" role="alert">
          {' '}
          {approve.error.message}
        </span>
      ) : null}
    </>
  );
}

export function PolicyPage(props: { may: May }) {
  const versions = usePolicyVersions();
  const { when, zone } = useSiteTimeFormat();
  if (versions.isError)
    return (
      <p className="error" role="alert">
        {versions.error.message} Reload the page to try again.
      </p>
    );
  if (!versions.data) return <p className="empty">Loading…</p>;
  const active = versions.data.find((version) => version.status === 'active');
  const draft = versions.data.find((version) => version.status === 'draft');
  const initialPair = draft && active ? { version: draft.version, against: active.version } : null;
  return (
    <div className="section-page">
      {active ? (
        <ActiveVersion active={active} />
      ) : (
        <p className="empty">No policy is active yet: import one, then have a second person approve it.</p>
      )}
      <section className="panel" aria-labelledby="policy-versions">
        <h2 id="policy-versions">Versions</h2>
        <p className="muted">Times in {zone}.</p>
        <table>
          <thead>
            <tr>
              <th>Version</th>
              <th>Name</th>
              <th>Status</th>
              <th>Written</th>
              <th>Approved</th>
              <th>Action</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.map((version) => (
              <tr key={version.version}>
                <td>{version.version}</td>
                <td>{version.name}</td>
                <td>
                  <span className={`status status-${version.status}`}>{version.status}</span>
                </td>
                <td>
                  {version.createdBy}, {when(version.createdAt)}
                </td>
                <td>{version.approvedBy ? `${version.approvedBy}, ${when(version.approvedAt)}` : '—'}</td>
                <td>
                  {version.status === 'draft' && props.may('policy.approve') ? (
                    <ApproveButton version={version.version} />
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {versions.data.length > 1 ? (
        <DiffView
          key={initialPair ? `${initialPair.version}-${initialPair.against}` : 'none'}
          versions={versions.data}
          initial={initialPair}
        />
      ) : null}
      {props.may('policy.manage') ? <ImportForm /> : null}
    </div>
  );
}
