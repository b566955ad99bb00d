/**
 * Fingerprints: each by its label; enrolment with this device's reader (WebAuthn). The credential lives in
 * the authenticator that made it, so enrolling here only helps if this device is the cabinet's terminal or
 * a fingerprint security key the person will carry (docs/fingerprints.md, "Where to enrol").
 */
import { type FormEvent, useState } from 'react';
import { useEnrolFingerprint } from '../api/enrol-fingerprint';
import type { PersonCredential } from '../api/get-person';
import { useRevokeCredential } from '../api/revoke-credential';

export function FingerprintPanel(props: {
  person: string;
  credentials: PersonCredential[];
  canManage: boolean;
  when: (iso: string | null) => string;
}) {
  const fingerprints = props.credentials.filter((credential) => credential.kind === 'fingerprint');
  const enrol = useEnrolFingerprint(props.person);
  const revoke = useRevokeCredential(props.person);
  const [label, setLabel] = useState('');
  const supported = typeof window !== 'undefined' && 'PublicKeyCredential' in window;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    enrol.mutate(label, { onSuccess: () => setLabel('') });
  };
  return (
    <section className="panel" aria-labelledby="fingerprint-heading">
      <h2 id="fingerprint-heading">Fingerprints</h2>
      {fingerprints.length === 0 ? (
        <p className="empty">No fingerprint.</p>
      ) : (
        <ul className="credential-list">
          {fingerprints.map((fingerprint) => (
            <li key={fingerprint.id}>
              <strong>{fingerprint.label || 'unlabelled'}</strong>{' '}
              <span className="muted">enrolled {props.when(fingerprint.createdAt)}</span>
              {props.canManage ? (
                <button
                  type="button"
                  onClick={() => revoke.mutate({ kind: 'fingerprint', credential: fingerprint.id })}
                  disabled={revoke.isPending}
                  aria-label={`Revoke fingerprint ${fingerprint.label || 'unlabelled'}`}
                >
                  Revoke
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {revoke.isError ? (
        <p className="error" role="alert">
          Not revoked: {revoke.error.message}
        </p>
      ) : null}
      {props.canManage ? (
        <>
          <p className="notice-box">
            A fingerprint enrolled here works <strong>only with this device's reader</strong> (or the security
            key used now). Enrol at the cabinet's terminal, or with a fingerprint security key the person will
            carry.
          </p>
          {supported ? (
            <form onSubmit={submit} className="inline-form">
              <label htmlFor="fingerprint-label">Finger</label>
              <input
                id="fingerprint-label"
                value={label}
                maxLength={100}
                placeholder="e.g. right index"
                onChange={(event) => setLabel(event.target.value)}
              />
              <button type="submit" disabled={enrol.isPending}>
                {enrol.isPending ? 'Waiting for the reader…' : 'Enrol with this device'}
              </button>
            </form>
          ) : (
            <p className="muted">This browser cannot use a fingerprint reader (no WebAuthn).</p>
          )}
          {enrol.isSuccess ? <p role="status">Fingerprint enrolled.</p> : null}
          {enrol.isError ? (
            <p className="error" role="alert">
              Not enrolled: {enrol.error.message}
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
