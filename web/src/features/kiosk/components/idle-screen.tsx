/**
 * The kiosk at rest: the cabinet, the site's local time, "After hours" when it applies, and how to sign in.
 * A badge reader that types like a keyboard (a "keyboard wedge") is read anywhere on this screen: its
 * characters then Enter. A person without a badge signs in with their ID.
 */
import { useEffect, useRef, useState } from 'react';
import type { CabinetStatus } from '../api/get-cabinet-status';
import { useDemoOfficer } from '../api/get-demo-officer';
import type { Identity } from '../api/sign-in';
import { SiteClock } from './site-clock';

export function IdleScreen(props: {
  status: CabinetStatus;
  readAt: number;
  message?: string | null;
  onIdentify: (identity: Identity) => void;
}) {
  const { status, onIdentify } = props;
  const [typingId, setTypingId] = useState(false);
  const [personId, setPersonId] = useState('');
  const demo = useDemoOfficer();
  const buffer = useRef('');

  useEffect(() => {
    if (typingId) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement) return;
      if (event.key === 'Enter') {
        const badge = buffer.current.trim();
        buffer.current = '';
        if (badge.length >= 3) {
          event.preventDefault();
          onIdentify({ badge });
        }
      } else if (/^[\w:-]$/.test(event.key)) {
        buffer.current = (buffer.current + event.key).slice(-64);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [typingId, onIdentify]);

  return (
    <main className="kiosk-panel idle">
      <header className="idle-header">
        <div>
          <h1>{status.cabinet.name}</h1>
          <p className="site-name">{status.site.name}</p>
        </div>
        <SiteClock localTime={status.site.localTime} timezone={status.site.timezone} readAt={props.readAt} />
      </header>
      {status.site.afterHours ? (
        <p className="after-hours-banner" role="status">
          After hours{status.site.closedFor ? ` (${status.site.closedFor})` : ''}: extra checks apply and your
          supervisor is told.
        </p>
      ) : (
        <p className="business-hours-banner">Business hours</p>
      )}
      {props.message ? (
        <p className="notice" role="status">
          {props.message}
        </p>
      ) : null}
      {typingId ? (
        <form
          className="id-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (personId.trim()) onIdentify({ person: personId.trim() });
          }}
        >
          <label htmlFor="person-id">Your ID</label>
          <input
            id="person-id"
            className="big-input"
            value={personId}
            onChange={(event) => setPersonId(event.target.value)}
            autoComplete="off"
            spellCheck={false}
            // biome-ignore lint/a11y/noAutofocus: the kiosk's one field; the person just asked for it
            autoFocus
          />
          <div className="button-row">
            <button type="button" className="big-button secondary" onClick={() => setTypingId(false)}>
              Cancel
            </button>
            <button type="submit" className="big-button primary" disabled={!personId.trim()}>
              Next
            </button>
          </div>
        </form>
      ) : (
        <section className="sign-in-prompt">
          <p className="prompt">Hold your badge to the reader to sign in</p>
          <button type="button" className="big-button" onClick={() => setTypingId(true)}>
            No badge? Sign in with your ID
          </button>
        </section>
      )}
      {demo.data ? (
        <aside className="demo-hint" aria-label="Demo hint">
          <strong>Demo:</strong> sign in as {demo.data.name}: type badge <kbd>{demo.data.badge}</kbd> then
          Enter (or ID <kbd>{demo.data.person}</kbd>), PIN <kbd>{demo.data.pin}</kbd>.
        </aside>
      ) : null}
    </main>
  );
}
