/** More factors for this session: a fingerprint on the reader, or an authenticator code on the pad. */
import { useState } from 'react';
import { ApiError } from '../../../lib/api-client';
import { useAddFactor } from '../api/add-factor';
import { useFingerprint } from '../api/prove-fingerprint';
import type { TerminalSession } from '../api/schemas';
import { refusalInWords } from '../lib/plain-words';
import { PinPad } from './pin-pad';

export function FactorPanel(props: {
  session: TerminalSession;
  token: string;
  prominent: boolean;
  onSession: (session: TerminalSession) => void;
  onEnded: (message: string) => void;
}) {
  const { session, token, onSession, onEnded } = props;
  const [entering, setEntering] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const fingerprint = useFingerprint(session.id, token);
  const code = useAddFactor(session.id, token);

  const fail = (error: unknown, what: string) => {
    if (error instanceof ApiError && error.code === 'session_expired')
      return onEnded(refusalInWords(error.code));
    const code = error instanceof ApiError ? error.code : 'unknown';
    setProblem(
      code === 'fingerprint_refused' || code === 'authentication_failed'
        ? `${what} not accepted. Try again, or use the other factor.`
        : refusalInWords(code, error instanceof Error ? error.message : undefined),
    );
  };

  if (entering) {
    return (
      <PinPad
        label="Authenticator code"
        hint="The 6 digits your authenticator app shows now."
        submitLabel="OK"
        minLength={6}
        maxLength={8}
        busy={code.isPending}
        error={problem}
        onCancel={() => setEntering(false)}
        onSubmit={(value) =>
          code.mutate(
            { kind: 'totp', value },
            {
              onSuccess: (updated) => {
                setEntering(false);
                setProblem(null);
                onSession(updated);
              },
              onError: (error) => fail(error, 'Code'),
            },
          )
        }
      />
    );
  }

  const has = new Set(session.factors);
  return (
    <section
      className={props.prominent ? 'factor-panel prominent' : 'factor-panel'}
      aria-label="More factors"
    >
      <h2>{props.prominent ? 'One more step: prove it is you' : 'Add a factor'}</h2>
      {problem ? (
        <p className="error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="button-row">
        {has.has('fingerprint') ? null : (
          <button
            type="button"
            className="big-button primary"
            disabled={fingerprint.isPending}
            onClick={() =>
              fingerprint.mutate(undefined, {
                onSuccess: (updated) => {
                  setProblem(null);
                  onSession(updated);
                },
                onError: (error) => fail(error, 'Fingerprint'),
              })
            }
          >
            {fingerprint.isPending ? 'Place your finger on the reader…' : 'Use fingerprint'}
          </button>
        )}
        {has.has('totp') ? null : (
          <button type="button" className="big-button" onClick={() => setEntering(true)}>
            Enter authenticator code
          </button>
        )}
      </div>
    </section>
  );
}
