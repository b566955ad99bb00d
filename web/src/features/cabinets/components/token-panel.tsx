/**
 * Terminal tokens (admins only): a new token is shown once with a copy button, since only its SHA-256 is
 * kept; revoking signs the terminal out at once (every token of the cabinet).
 */
import { useState } from 'react';
import { useIssueCabinetToken } from '../api/issue-cabinet-token';
import { useRevokeCabinetTokens } from '../api/revoke-cabinet-tokens';

export function TokenPanel(props: { cabinet: string; tokens: number }) {
  const issue = useIssueCabinetToken(props.cabinet);
  const revoke = useRevokeCabinetTokens(props.cabinet);
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const token = issue.data?.token;
  return (
    <section className="panel token-panel" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Terminal tokens</h2>
      <p>
        {props.tokens === 0
          ? 'No live token: the terminal cannot sign in.'
          : `${props.tokens} live token${props.tokens === 1 ? '' : 's'}.`}{' '}
        A token is this cabinet to the server: give it only to the cabinet's terminal.
      </p>
      {token ? (
        <div className="token-once" role="status">
          <p>
            <strong>Copy this token now.</strong> It is shown only once; enter it in the terminal's setup
            screen.
          </p>
          <code className="token-value" data-testid="new-token">
            {token}
          </code>
          <div className="button-row">
            <button
              type="button"
              onClick={() => {
                void navigator.clipboard?.writeText(token).then(() => setCopied(true));
              }}
            >
              {copied ? 'Copied' : 'Copy token'}
            </button>
            <button type="button" onClick={() => issue.reset()}>
              Done, hide it
            </button>
          </div>
        </div>
      ) : null}
      {issue.isError ? (
        <p className="error" role="alert">
          No token was issued: {issue.error.message} Try again.
        </p>
      ) : null}
      {revoke.isSuccess ? (
        <p role="status">
          {revoke.data} token{revoke.data === 1 ? '' : 's'} revoked: the terminal is signed out until it gets
          a new one.
        </p>
      ) : null}
      {revoke.isError ? (
        <p className="error" role="alert">
          Nothing was revoked: {revoke.error.message} Try again.
        </p>
      ) : null}
      <div className="button-row">
        <button
          type="button"
          onClick={() => {
            setCopied(false);
            issue.mutate();
          }}
          disabled={issue.isPending}
        >
          Issue a new token
        </button>
        {confirming ? (
          <>
            <button
              type="button"
              className="danger"
              onClick={() => {
                setConfirming(false);
                revoke.mutate();
              }}
            >
              Yes, revoke every token
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button
            type="button"
            onClick={() => setConfirming(true)}
            disabled={props.tokens === 0 || revoke.isPending}
          >
            Revoke all tokens…
          </button>
        )}
      </div>
    </section>
  );
}
