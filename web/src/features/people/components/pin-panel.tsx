/** The PIN: set or not, and a reset to a random PIN that is shown once (it is stored only hashed). */
import { useState } from 'react';
import type { PersonCredential } from '../api/get-person';
import { useResetPin } from '../api/reset-pin';

export function PinPanel(props: {
  person: string;
  pin: PersonCredential | undefined;
  canManage: boolean;
  when: (iso: string | null) => string;
}) {
  const reset = useResetPin(props.person);
  const [confirming, setConfirming] = useState(false);
  return (
    <section className="panel" aria-labelledby="pin-heading">
      <h2 id="pin-heading">PIN</h2>
      <p>
        {props.pin
          ? `Set ${props.when(props.pin.createdAt)}; last used ${props.when(props.pin.lastUsedAt)}.`
          : 'No PIN set.'}
      </p>
      {reset.data ? (
        <div className="shown-once" role="status">
          <p>
            <strong>The new PIN, shown only this once:</strong>
          </p>
          <p className="secret-big" data-testid="new-pin">
            {reset.data}
          </p>
          <p>
            Give it to the person in private. They can use it at the cabinet now; the old PIN no longer works.
          </p>
          <button type="button" onClick={() => reset.reset()}>
            Done, hide it
          </button>
        </div>
      ) : null}
      {reset.isError ? (
        <p className="error" role="alert">
          The PIN was not changed: {reset.error.message}
        </p>
      ) : null}
      {props.canManage && !reset.data ? (
        confirming ? (
          <div className="button-row">
            <button
              type="button"
              onClick={() => {
                setConfirming(false);
                reset.mutate();
              }}
            >
              Yes, set a new random PIN
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} disabled={reset.isPending}>
            {props.pin ? 'Reset PIN…' : 'Set a PIN…'}
          </button>
        )
      ) : null}
    </section>
  );
}
