/**
 * Taking one key: the policy's decision for this person, re-read as the reason, factors or witness change,
 * and whatever it still needs (a reason and note, one more factor, a witness, an approval), then the take.
 */
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../../../lib/api-client';
import { useAddWitness } from '../api/add-witness';
import type { CabinetStatus } from '../api/get-cabinet-status';
import { type SessionKey, useSessionKeys } from '../api/get-session-keys';
import { useRequestApproval } from '../api/request-approval';
import type { Approval, TerminalSession } from '../api/schemas';
import { type TakenKey, useTakeKey } from '../api/take-key';
import { useApprovalStatus } from '../api/watch-approval';
import { missingInWords, refusalInWords } from '../lib/plain-words';
import { FactorPanel } from './factor-panel';
import { PinPad } from './pin-pad';

export function KeyRequest(props: {
  chosen: SessionKey;
  status: CabinetStatus;
  session: TerminalSession;
  token: string;
  onSession: (session: TerminalSession) => void;
  onTaken: (taken: TakenKey, label: string) => void;
  onBack: () => void;
  onEnded: (message: string) => void;
  /** True while an approval is pending: the kiosk's auto sign-out pauses. */
  onWaiting: (waiting: boolean) => void;
}) {
  const { chosen, session, token, onSession, onEnded } = props;
  const [reason, setReason] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [approval, setApproval] = useState<Approval | null>(null);
  const keys = useSessionKeys(session, token, reason);
  const take = useTakeKey(session.id, token);
  const ask = useRequestApproval(session.id, token);
  const key = keys.data?.find((candidate) => candidate.id === chosen.id) ?? chosen;
  const decision = key.decision;
  const missing = decision.outcome === 'needs' ? decision.missing : undefined;
  // The reasons are asked whenever a rule could take this person to the key; required or not, as the
  // first decision said (a chosen reason is then no longer missing).
  const asksReason = props.status.reasons.length > 0 && decision.code !== 'no_rule';
  const reasonRequired = !!chosen.decision.missing?.reason;

  const failed = (error: unknown) => {
    if (error instanceof ApiError && error.code === 'session_expired')
      return onEnded(refusalInWords(error.code));
    const code = error instanceof ApiError ? error.code : 'unknown';
    setProblem(refusalInWords(code, error instanceof Error ? error.message : undefined));
  };

  const doTake = (approvalId: string | null) =>
    take.mutate(
      { key: key.id, reason, note: note.trim() || null, approval: approvalId },
      { onSuccess: (taken) => props.onTaken(taken, key.label), onError: failed },
    );

  return (
    <main className="kiosk-panel key-request">
      <h1>
        {key.label} <span className="slot-tag">slot {key.slot}</span>
      </h1>
      {asksReason ? (
        <fieldset className="reasons" disabled={approval !== null}>
          <legend>Why do you need it?{reasonRequired ? '' : ' (optional)'}</legend>
          {props.status.reasons.map((option) => (
            <label key={option.id} className={reason === option.id ? 'reason selected' : 'reason'}>
              <input
                type="radio"
                name="reason"
                value={option.id}
                checked={reason === option.id}
                onChange={() => {
                  setReason(option.id);
                  setProblem(null);
                }}
              />
              {option.label}
            </label>
          ))}
          <label htmlFor="checkout-note" className="note-label">
            Note (optional)
          </label>
          <textarea
            id="checkout-note"
            className="big-input"
            rows={2}
            maxLength={500}
            value={note}
            onChange={(event) => setNote(event.target.value)}
          />
        </fieldset>
      ) : null}

      {decision.outcome === 'deny' ? (
        <p className="refusal" role="alert">
          {refusalInWords(decision.code ?? '', decision.explanation)}
        </p>
      ) : null}
      {missing ? <p className="needs">Still needed: {missingInWords(missing).join(', ')}.</p> : null}
      {problem ? (
        <p className="error" role="alert">
          {problem}
        </p>
      ) : null}

      {missing?.factors || missing?.factorKinds ? (
        <FactorPanel session={session} token={token} prominent onSession={onSession} onEnded={onEnded} />
      ) : null}
      {missing?.witness && !missing.factors && !missing.reason ? (
        <WitnessSignIn session={session} token={token} onSession={onSession} onEnded={onEnded} />
      ) : null}
      {approval ? (
        <ApprovalWait
          session={session}
          token={token}
          approval={approval}
          onApproved={(approved) => doTake(approved.id)}
          onAgain={() => setApproval(null)}
          onWaiting={props.onWaiting}
          onEnded={onEnded}
        />
      ) : null}

      <div className="button-row">
        <button type="button" className="big-button secondary" onClick={props.onBack}>
          Back to keys
        </button>
        {decision.outcome === 'allow' ? (
          <button
            type="button"
            className="big-button primary"
            disabled={take.isPending}
            onClick={() => doTake(null)}
          >
            {take.isPending ? 'Opening…' : `Take ${key.label}`}
          </button>
        ) : null}
        {missing?.approval && !missing.factors && !missing.reason && !missing.witness && !approval ? (
          <button
            type="button"
            className="big-button primary"
            disabled={ask.isPending}
            onClick={() =>
              ask.mutate(
                { key: key.id, reason },
                { onSuccess: (answer) => setApproval(answer.approval), onError: failed },
              )
            }
          >
            Ask for approval
          </button>
        ) : null}
      </div>
    </main>
  );
}

function ApprovalWait(props: {
  session: TerminalSession;
  token: string;
  approval: Approval;
  onApproved: (approval: Approval) => void;
  onAgain: () => void;
  onWaiting: (waiting: boolean) => void;
  onEnded: (message: string) => void;
}) {
  const { approval: live, sessionEnded } = useApprovalStatus(props.session.id, props.token, props.approval);
  const used = useRef(false);
  const { onApproved, onWaiting, onEnded } = props;
  useEffect(() => {
    if (live.status === 'approved' && !used.current) {
      used.current = true;
      onApproved(live);
    }
  }, [live, onApproved]);
  // Nobody touches the screen while waiting: the auto sign-out waits too (the session's own 5 minutes rule).
  const pending = live.status === 'pending';
  useEffect(() => {
    onWaiting(pending);
    return () => onWaiting(false);
  }, [pending, onWaiting]);
  useEffect(() => {
    if (sessionEnded)
      onEnded('Your session ended while waiting for the approval. Sign in again to take the key.');
  }, [sessionEnded, onEnded]);
  const words: Record<Approval['status'], string> = {
    pending: 'Waiting for approval… The approver has been sent a message. This screen updates by itself.',
    approved: `Approved by ${live.decidedBy ?? 'the approver'}. Opening the slot…`,
    denied: `Denied by ${live.decidedBy ?? 'the approver'}. Choose another key or call your supervisor.`,
    expired: 'Nobody answered in time. Ask again, or call your supervisor.',
    used: 'This approval was used.',
  };
  return (
    <section className={`approval-wait ${live.status}`} aria-live="polite">
      <h2>Approval: {live.status}</h2>
      <p>{words[live.status]}</p>
      {live.status === 'expired' || live.status === 'denied' ? (
        <button type="button" className="big-button" onClick={props.onAgain}>
          Ask again
        </button>
      ) : null}
    </section>
  );
}

function WitnessSignIn(props: {
  session: TerminalSession;
  token: string;
  onSession: (session: TerminalSession) => void;
  onEnded: (message: string) => void;
}) {
  const [person, setPerson] = useState('');
  const [step, setStep] = useState<'id' | 'pin'>('id');
  const [problem, setProblem] = useState<string | null>(null);
  const witness = useAddWitness(props.session.id, props.token);
  if (step === 'pin') {
    return (
      <PinPad
        label={`Witness ${person}: PIN`}
        submitLabel="OK"
        busy={witness.isPending}
        error={problem}
        onCancel={() => setStep('id')}
        onSubmit={(pin) =>
          witness.mutate(
            { identity: { person }, pin },
            {
              onSuccess: props.onSession,
              onError: (error) => {
                if (error instanceof ApiError && error.code === 'session_expired')
                  return props.onEnded(refusalInWords(error.code));
                setProblem('The witness could not sign in. Check the ID and PIN and try again.');
              },
            },
          )
        }
      />
    );
  }
  return (
    <form
      className="witness"
      onSubmit={(event) => {
        event.preventDefault();
        if (person.trim()) setStep('pin');
      }}
    >
      <h2>A witness signs in</h2>
      <p className="hint">This key needs a second person present. They enter their own ID and PIN.</p>
      <label htmlFor="witness-id">Witness ID</label>
      <input
        id="witness-id"
        className="big-input"
        value={person}
        onChange={(event) => setPerson(event.target.value.trim())}
        autoComplete="off"
      />
      <button type="submit" className="big-button primary" disabled={!person}>
        Next
      </button>
    </form>
  );
}
