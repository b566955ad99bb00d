/** The key is released: which slot, which key, when it is due. The session then ends by itself. */
import { useEffect } from 'react';
import type { TakenKey } from '../api/take-key';

export function SlotOpen(props: { taken: TakenKey; label: string; timezone: string; onDone: () => void }) {
  const { onDone } = props;
  useEffect(() => {
    const timer = window.setTimeout(onDone, 8000);
    return () => window.clearTimeout(timer);
  }, [onDone]);
  const due = props.taken.dueAt
    ? new Intl.DateTimeFormat('en-US', {
        timeZone: props.timezone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(props.taken.dueAt))
    : null;
  return (
    <main className="kiosk-panel slot-open" aria-live="assertive">
      <h1>
        Slot {props.taken.slot} is open: take {props.label}
      </h1>
      {due ? <p className="due">Bring it back by {due}.</p> : null}
      {props.taken.afterHours ? <p className="hint">After hours: your supervisor has been told.</p> : null}
      <p className="hint">You will be signed out in a few seconds.</p>
      <button type="button" className="big-button primary" onClick={onDone}>
        Done, sign out
      </button>
    </main>
  );
}
