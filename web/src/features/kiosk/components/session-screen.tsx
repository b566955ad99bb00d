/**
 * Signed in: the keys of this cabinet with what the policy says for this person now, grouped as the person
 * reads them (can take, can take after one more step, cannot take and why), and the factors they can add.
 */
import { useState } from 'react';
import type { CabinetStatus } from '../api/get-cabinet-status';
import { type SessionKey, useSessionKeys } from '../api/get-session-keys';
import type { TerminalSession } from '../api/schemas';
import type { TakenKey } from '../api/take-key';
import { factorName, missingInWords, refusalInWords } from '../lib/plain-words';
import { FactorPanel } from './factor-panel';
import { KeyRequest } from './key-request';

function keyNote(key: SessionKey): string {
  if (key.status === 'out') return 'Out now: someone has it.';
  if (key.status === 'missing') return 'Missing: report it to the front desk.';
  if (key.status === 'retired') return 'No longer in use.';
  const { decision } = key;
  if (decision.outcome === 'allow') return 'You can take it now.';
  if (decision.outcome === 'needs') return `Needs ${missingInWords(decision.missing).join(', ')}.`;
  return refusalInWords(decision.code ?? '', decision.explanation);
}

export function SessionScreen(props: {
  status: CabinetStatus;
  session: TerminalSession;
  token: string;
  onSession: (session: TerminalSession) => void;
  onTaken: (taken: TakenKey, label: string) => void;
  onSignOut: (message?: string) => void;
  onWaiting: (waiting: boolean) => void;
}) {
  const { session, token } = props;
  const [chosen, setChosen] = useState<SessionKey | null>(null);
  const keys = useSessionKeys(session, token, null);

  if (chosen) {
    return (
      <KeyRequest
        chosen={chosen}
        status={props.status}
        session={session}
        token={token}
        onSession={props.onSession}
        onTaken={props.onTaken}
        onBack={() => setChosen(null)}
        onEnded={props.onSignOut}
        onWaiting={props.onWaiting}
      />
    );
  }

  const list = keys.data ?? [];
  const usable = (key: SessionKey) => key.status === 'in' && key.decision.outcome !== 'deny';
  const needFactor = list.some((key) => usable(key) && !!key.decision.missing?.factors);
  return (
    <main className="kiosk-panel session">
      <header className="session-header">
        <div>
          <h1>Welcome, {session.personName}</h1>
          <p className="hint">
            Signed in with {session.factors.map(factorName).join(', ')}
            {session.witness ? `; witness ${session.witness}` : ''}
            {session.afterHours ? '. After hours.' : '.'}
          </p>
        </div>
        <button type="button" className="big-button secondary" onClick={() => props.onSignOut()}>
          Sign out
        </button>
      </header>
      {keys.isError ? (
        <p className="error" role="alert">
          The keys could not be read. Sign out and try again.
        </p>
      ) : null}
      {session.factors.length < 4 ? (
        <FactorPanel
          session={session}
          token={token}
          prominent={needFactor}
          onSession={props.onSession}
          onEnded={props.onSignOut}
        />
      ) : null}
      <h2>Choose a key</h2>
      {keys.isPending ? <p>Reading the keys…</p> : null}
      <ul className="key-list">
        {list.map((key) => (
          <li key={key.id}>
            <button
              type="button"
              className={`key-card ${usable(key) ? key.decision.outcome : 'unavailable'}`}
              disabled={!usable(key)}
              onClick={() => setChosen(key)}
            >
              <span className="key-label">{key.label}</span>
              <span className="key-slot">Slot {key.slot}</span>
              <span className="key-note">{keyNote(key)}</span>
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}
