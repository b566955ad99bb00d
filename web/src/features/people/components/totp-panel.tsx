/**
 * The authenticator (TOTP): enrolled or not, enrolment with a QR code (drawn here from the otpauth:// URI,
 * which never leaves this page) and the secret as text for typing, shown once; and revoking it.
 */
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { useEnrolTotp } from '../api/enrol-totp';
import type { PersonCredential } from '../api/get-person';
import { useRevokeCredential } from '../api/revoke-credential';

function QrImage(props: { uri: string; name: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    QRCode.toString(props.uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }).then((text) => {
      if (!cancelled) setSvg(text);
    });
    return () => {
      cancelled = true;
    };
  }, [props.uri]);
  if (!svg) return <p>Drawing the QR code…</p>;
  return (
    <img
      className="totp-qr"
      src={`data:image/svg+xml;utf8,${encodeURIComponent(svg)}`}
      alt={`QR code to add ${props.name}'s Keywarden authenticator to an app`}
      width={220}
      height={220}
    />
  );
}

export function TotpPanel(props: {
  person: string;
  name: string;
  totp: PersonCredential | undefined;
  canManage: boolean;
  adminOnly: boolean;
  when: (iso: string | null) => string;
}) {
  const enrol = useEnrolTotp(props.person);
  const revoke = useRevokeCredential(props.person);
  const [confirm, setConfirm] = useState<'replace' | 'revoke' | null>(null);
  const shown = enrol.data;
  return (
    <section className="panel" aria-labelledby="totp-heading">
      <h2 id="totp-heading">Authenticator app (TOTP)</h2>
      <p>{props.totp ? `Enrolled ${props.when(props.totp.createdAt)}.` : 'Not enrolled.'}</p>
      {shown ? (
        <div className="shown-once" role="status">
          <p>
            <strong>Scan this with the authenticator app now.</strong> It is shown only once.
          </p>
          <QrImage uri={shown.uri} name={props.name} />
          <p>
            Or type this secret: <code className="secret-text">{shown.secret}</code>
          </p>
          <p className="muted">
            {shown.digits} digits, every {shown.stepSeconds} seconds, {shown.algorithm}.
          </p>
          <button type="button" onClick={() => enrol.reset()}>
            Done, hide it
          </button>
        </div>
      ) : null}
      {enrol.isError ? (
        <p className="error" role="alert">
          Not enrolled: {enrol.error.message}
        </p>
      ) : null}
      {revoke.isError ? (
        <p className="error" role="alert">
          Not revoked: {revoke.error.message}
        </p>
      ) : null}
      {props.adminOnly ? (
        <p className="muted">
          This person holds a console role: only an admin may change their authenticator.
        </p>
      ) : null}
      {props.canManage && !shown ? (
        confirm ? (
          <div className="button-row">
            <button
              type="button"
              onClick={() => {
                if (confirm === 'replace') enrol.mutate(true);
                else revoke.mutate({ kind: 'totp' });
                setConfirm(null);
              }}
            >
              {confirm === 'replace' ? 'Yes, replace it (the old app stops working)' : 'Yes, revoke it'}
            </button>
            <button type="button" onClick={() => setConfirm(null)}>
              Cancel
            </button>
          </div>
        ) : props.totp ? (
          <div className="button-row">
            <button type="button" onClick={() => setConfirm('replace')}>
              Replace…
            </button>
            <button type="button" onClick={() => setConfirm('revoke')}>
              Revoke…
            </button>
          </div>
        ) : (
          <button type="button" onClick={() => enrol.mutate(false)} disabled={enrol.isPending}>
            Enrol an authenticator
          </button>
        )
      ) : null}
    </section>
  );
}
