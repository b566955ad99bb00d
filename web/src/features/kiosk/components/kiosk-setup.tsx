/** First start of a kiosk device: an administrator pastes the cabinet's token (shown once when issued). */
import { useState } from 'react';

export function KioskSetup(props: {
  cabinet: string;
  problem?: string | null;
  onSave: (token: string) => void;
}) {
  const [token, setToken] = useState('');
  const valid = /^kwc_[\w-]{20,}$/.test(token.trim());
  return (
    <main className="kiosk-panel setup">
      <h1>Set up this kiosk</h1>
      <p>
        This screen is the terminal of cabinet <strong>{props.cabinet}</strong>. An administrator pastes the
        cabinet's token once; it stays on this device.
      </p>
      {props.problem ? (
        <p className="error" role="alert">
          {props.problem}
        </p>
      ) : null}
      <p className="hint">
        Get a token with <code>keywarden cabinets token {props.cabinet} --by YOUR-ID</code>, or in the console
        (Cabinets). Issuing a new token does not end earlier ones; revoke those you no longer use.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (valid) props.onSave(token.trim());
        }}
      >
        <label htmlFor="kiosk-token">Cabinet token</label>
        <input
          id="kiosk-token"
          className="big-input"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          placeholder="kwc_..."
          autoComplete="off"
          spellCheck={false}
        />
        <button type="submit" className="big-button primary" disabled={!valid}>
          Save and start
        </button>
      </form>
    </main>
  );
}
