/**
 * Approval requests: pending first (they expire), then recent decisions; one request's names, site zone and
 * approvers; approve or deny with a note for those who may (the API also checks the rule names them and,
 * for supervisors, that the requester is of their team). Auditors and key managers read only.
 */
import { useState } from 'react';
import type { May } from '../../../lib/permissions';
import { useSiteTimeFormat } from '../../../lib/site-zone';
import { useDecideApproval } from '../api/decide-approval';
import { useApproval } from '../api/get-approval';
import { useApprovals } from '../api/get-approvals';
import { usePeopleNames } from '../api/get-people-names';

function ApprovalDetailPanel(props: { id: string; may: May; onClose: () => void }) {
  const detail = useApproval(props.id);
  const names = usePeopleNames().data;
  const decide = useDecideApproval();
  const [note, setNote] = useState('');
  const { when } = useSiteTimeFormat();
  if (detail.isPending) return <p className="empty">Loading the request…</p>;
  if (detail.isError)
    return (
      <p className="error" role="alert">
        {detail.error.message} Choose another request from the list.
      </p>
    );
  const { approval, description, approvers } = detail.data;
  const canDecide = props.may('approvals.decide') && approval.status === 'pending';
  return (
    <section className="panel" aria-labelledby="approval-title">
      <h2 id="approval-title">
        {description.personName} asks for {description.keyLabel}
      </h2>
      <dl className="facts">
        <dt>Cabinet</dt>
        <dd>
          {description.cabinetName}, {description.siteName}
        </dd>
        <dt>Reason</dt>
        <dd>{description.reasonLabel ?? approval.reason ?? '—'}</dd>
        <dt>Requested</dt>
        <dd>{when(approval.requestedAt)}</dd>
        <dt>Expires</dt>
        <dd>{when(approval.expiresAt)}</dd>
        <dt>Status</dt>
        <dd>
          <span className={`status status-${approval.status}`}>{approval.status}</span>
          {approval.decidedBy ? ` by ${approval.decidedBy} at ${when(approval.decidedAt)}` : ''}
        </dd>
        <dt>Who may decide</dt>
        <dd>
          {approvers.length > 0
            ? approvers.map((id) => names?.get(id) ?? id).join(', ')
            : 'nobody named by the rule is active'}
        </dd>
      </dl>
      {canDecide ? (
        <form
          className="decision"
          onSubmit={(event) => {
            event.preventDefault();
            const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
            decide.mutate({
              id: approval.id,
              decision: submitter?.value === 'deny' ? 'deny' : 'approve',
              note,
            });
          }}
        >
          <label>
            Note (kept in the audit log)
            <textarea
              value={note}
              onChange={(event) => setNote(event.target.value)}
              maxLength={500}
              rows={2}
            />
          </label>
          <div className="button-row">
            <button
              type="submit"
              name="decision"
              value="approve"
              className="primary"
              disabled={decide.isPending}
            >
              Approve
            </button>
            <button type="submit" name="decision" value="deny" disabled={decide.isPending}>
              Deny
            </button>
          </div>
          {decide.isError ? (
            <p className="error" role="alert">
              {decide.error.message}
            </p>
          ) : null}
        </form>
      ) : null}
      {decide.isSuccess ? <p role="status">Decision recorded: the kiosk learns it at once.</p> : null}
      <button type="button" onClick={props.onClose}>
        Back to the list
      </button>
    </section>
  );
}

export function ApprovalsPage(props: { may: May }) {
  const approvals = useApprovals();
  const names = usePeopleNames().data;
  const nameOf = (id: string) => names?.get(id) ?? id;
  const [selected, setSelected] = useState<string | null>(null);
  const { when, zone } = useSiteTimeFormat();
  if (selected)
    return <ApprovalDetailPanel id={selected} may={props.may} onClose={() => setSelected(null)} />;
  return (
    <section className="panel" aria-labelledby="approvals-list">
      <h2 id="approvals-list">Requests</h2>
      <p className="muted">Pending first. Times in {zone}.</p>
      {approvals.isError ? (
        <p className="error" role="alert">
          {approvals.error.message} Reload the page to try again.
        </p>
      ) : !approvals.data ? (
        <p className="empty">Loading…</p>
      ) : approvals.data.length === 0 ? (
        <p className="empty">No approval requests yet. They appear here when a kiosk asks for one.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Status</th>
              <th>Person</th>
              <th>Key</th>
              <th>Requested</th>
              <th>Expires</th>
              <th>Open</th>
            </tr>
          </thead>
          <tbody>
            {approvals.data.map((approval) => (
              <tr key={approval.id}>
                <td>
                  <span className={`status status-${approval.status}`}>{approval.status}</span>
                </td>
                <td>{nameOf(approval.person)}</td>
                <td>{approval.key}</td>
                <td>{when(approval.requestedAt)}</td>
                <td>{when(approval.expiresAt)}</td>
                <td>
                  <button type="button" onClick={() => setSelected(approval.id)}>
                    {approval.status === 'pending' && props.may('approvals.decide') ? 'Decide' : 'View'}
                    <span className="visually-hidden"> request of {nameOf(approval.person)}</span>
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
