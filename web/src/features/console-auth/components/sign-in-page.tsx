/** Console sign-in: password, then an authenticator code or a passkey. Under the demo, how to get in. */
import { useState } from 'react';
import { ApiError } from '../../../lib/api-client';
import { useDemoHints } from '../api/get-demo-hints';
import { useSignIn } from '../api/sign-in';

const FAILURES: Record<string, string> = {
  authentication_failed:
    'Sign-in failed: check your ID, password and code. After 5 failures the account is locked for a few minutes.',
  rate_limited: 'Too many attempts from here. Wait a minute and try again.',
  network_error: 'The server cannot be reached. Check the network and try again.',
};

export function SignInPage() {
  const [person, setPerson] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const signIn = useSignIn();
  const demo = useDemoHints();
  const error = signIn.error;
  const message = error
    ? error instanceof ApiError
      ? (FAILURES[error.code] ?? error.message)
      : 'The passkey was not used. Try again, or use your authenticator code.'
    : null;

  return (
    <main className="console-sign-in">
      <h1>Keywarden console</h1>
      <form
        aria-label="Sign in"
        onSubmit={(event) => {
          event.preventDefault();
          signIn.mutate({ person: person.trim(), password, method: 'totp', totp: totp.trim() });
        }}
      >
        <label htmlFor="sign-in-person">Your ID</label>
        <input
          id="sign-in-person"
          value={person}
          onChange={(event) => setPerson(event.target.value)}
          autoComplete="username"
          required
        />
        <label htmlFor="sign-in-password">Password</label>
        <input
          id="sign-in-password"
          type="password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          autoComplete="current-password"
          required
        />
        <label htmlFor="sign-in-totp">Authenticator code</label>
        <input
          id="sign-in-totp"
          inputMode="numeric"
          value={totp}
          onChange={(event) => setTotp(event.target.value)}
          autoComplete="one-time-code"
          pattern="[0-9]{6,8}"
        />
        {message ? (
          <p className="error" role="alert">
            {message}
          </p>
        ) : null}
        {/* The buttons wait for what each needs; this says what that is, so a greyed button is no dead end. */}
        <p id="sign-in-how" className="muted">
          Enter your ID and password, then the code from your authenticator app and Sign in, or Sign in with a
          passkey instead of the code.
        </p>
        <div className="button-row">
          <button
            type="submit"
            className="primary"
            aria-describedby="sign-in-how"
            disabled={signIn.isPending || !totp.trim()}
          >
            Sign in
          </button>
          <button
            type="button"
            aria-describedby="sign-in-how"
            disabled={signIn.isPending || !person.trim() || !password}
            onClick={() => signIn.mutate({ person: person.trim(), password, method: 'passkey' })}
          >
            Sign in with a passkey
          </button>
        </div>
      </form>
      {demo.data?.length ? (
        <aside className="demo-hint" aria-label="Demo sign-in">
          <h2>Demo only</h2>
          <p>This server runs the demo. Sign in as one of these (the code changes every 30 seconds):</p>
          <table>
            <thead>
              <tr>
                <th>ID</th>
                <th>Role</th>
                <th>Password</th>
                <th>Code now</th>
              </tr>
            </thead>
            <tbody>
              {demo.data.map((user) => (
                <tr key={user.person}>
                  <td>
                    {user.person} ({user.name})
                  </td>
                  <td>{user.role}</td>
                  <td>
                    <code>{user.password}</code>
                  </td>
                  <td>
                    <code>{user.code}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </aside>
      ) : null}
    </main>
  );
}
