/**
 * A large digit pad for PINs and authenticator codes: touch, or the keyboard (digits, Backspace, Enter,
 * Escape). The digits are shown as dots; the hidden input keeps keyboard focus on the pad.
 */
import { useEffect, useRef, useState } from 'react';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

export function PinPad(props: {
  label: string;
  /** The screen's own heading (h1) when the pad is the whole screen; a sub-heading (h2) inside another. */
  screenHeading?: boolean;
  hint?: string;
  submitLabel: string;
  busy?: boolean;
  error?: string | null;
  minLength?: number;
  maxLength?: number;
  onSubmit: (digits: string) => void;
  onCancel: () => void;
}) {
  const [digits, setDigits] = useState('');
  const min = props.minLength ?? 4;
  const max = props.maxLength ?? 12;
  const { onSubmit, onCancel, busy } = props;
  const entered = useRef(digits);
  entered.current = digits;

  // A failed attempt clears the pad for the next try.
  useEffect(() => {
    if (props.error) setDigits('');
  }, [props.error]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (busy) return;
      if (/^[0-9]$/.test(event.key))
        setDigits((current) => (current.length < max ? current + event.key : current));
      else if (event.key === 'Backspace') setDigits((current) => current.slice(0, -1));
      else if (event.key === 'Escape') onCancel();
      else if (event.key === 'Enter') {
        event.preventDefault();
        // Read, not set: a state updater may run twice, and a code must be sent once.
        if (entered.current.length >= min) onSubmit(entered.current);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [busy, max, min, onCancel, onSubmit]);

  const press = (key: string) => setDigits((current) => (current.length < max ? current + key : current));

  return (
    <section className="pin-pad" aria-label={props.label}>
      {props.screenHeading ? <h1>{props.label}</h1> : <h2>{props.label}</h2>}
      {props.hint ? <p className="hint">{props.hint}</p> : null}
      <output className="pin-dots" aria-live="polite" aria-label={`${digits.length} digits entered`}>
        {digits.length === 0 ? <span className="placeholder">_ _ _ _ _ _</span> : '•'.repeat(digits.length)}
      </output>
      {props.error ? (
        <p className="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <div className="pad-grid">
        {KEYS.map((key) => (
          <button key={key} type="button" className="pad-key" disabled={busy} onClick={() => press(key)}>
            {key}
          </button>
        ))}
        <button
          type="button"
          className="pad-key secondary"
          disabled={busy}
          onClick={() => setDigits((current) => current.slice(0, -1))}
          aria-label="Delete last digit"
        >
          ⌫
        </button>
        <button type="button" className="pad-key" disabled={busy} onClick={() => press('0')}>
          0
        </button>
        <button
          type="button"
          className="pad-key primary"
          disabled={busy || digits.length < min}
          onClick={() => onSubmit(digits)}
        >
          {busy ? '…' : props.submitLabel}
        </button>
      </div>
      <button type="button" className="big-button secondary" onClick={onCancel}>
        Cancel
      </button>
    </section>
  );
}
