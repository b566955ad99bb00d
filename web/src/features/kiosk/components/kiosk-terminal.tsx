/**
 * One cabinet's kiosk: setup (the cabinet token) -> idle -> PIN -> signed in (keys, factors, a key's
 * requirements) -> "Slot N is open" -> signed out by itself. Every step has a way back; a minute without a
 * touch signs the person out. Over every screen, returns at the cabinet are confirmed as they happen.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../../lib/api-client';
import { useCabinetStatus } from '../api/get-cabinet-status';
import { getDemoKioskToken } from '../api/get-demo-kiosk-token';
import type { TerminalSession } from '../api/schemas';
import { type Identity, useSignIn } from '../api/sign-in';
import { signOut } from '../api/sign-out';
import type { TakenKey } from '../api/take-key';
import { forgetKioskToken, readKioskToken, saveKioskToken } from '../lib/kiosk-token';
import { refusalInWords } from '../lib/plain-words';
import { IdleScreen } from './idle-screen';
import { KioskSetup } from './kiosk-setup';
import { PinPad } from './pin-pad';
import { ReturnConfirmation } from './return-confirmation';
import { SessionScreen } from './session-screen';
import { SlotOpen } from './slot-open';
import { useIdleTimeout } from './use-idle-timeout';

/** The server ends a session after 60 s without a request; the kiosk signs out a little before. */
const AUTO_SIGN_OUT_MS = 45_000;

type Step =
  | { kind: 'idle'; message?: string }
  | { kind: 'pin'; identity: Identity }
  | { kind: 'session'; session: TerminalSession }
  | { kind: 'open'; taken: TakenKey; label: string; session: TerminalSession };

export function KioskTerminal(props: { cabinet: string }) {
  const { cabinet } = props;
  const [token, setToken] = useState<string | null>(() => readKioskToken(cabinet));
  const [lookingForDemo, setLookingForDemo] = useState(token === null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (token !== null) return;
    let stale = false;
    getDemoKioskToken(cabinet).then((demo) => {
      if (stale) return;
      if (demo) {
        saveKioskToken(cabinet, demo);
        setToken(demo);
      }
      setLookingForDemo(false);
    });
    return () => {
      stale = true;
    };
  }, [cabinet, token]);

  if (token === null) {
    if (lookingForDemo) return <main className="kiosk-panel">Starting…</main>;
    return (
      <KioskSetup
        cabinet={cabinet}
        problem={problem}
        onSave={(value) => {
          saveKioskToken(cabinet, value);
          setToken(value);
        }}
      />
    );
  }
  return (
    <>
      <SignedInCabinet
        cabinet={cabinet}
        token={token}
        onTokenRefused={() => {
          setProblem(
            'The server refused the saved token (revoked, or of another cabinet). Paste a new token for this cabinet.',
          );
          forgetKioskToken(cabinet);
          setToken(null);
        }}
      />
      {/* Over every screen: "Patrol car 101 is back in slot 1. Thank you." when a key comes back. */}
      <ReturnConfirmation cabinet={cabinet} token={token} />
    </>
  );
}

function SignedInCabinet(props: { cabinet: string; token: string; onTokenRefused: () => void }) {
  const { cabinet, token, onTokenRefused } = props;
  const status = useCabinetStatus(cabinet, token);
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [pinError, setPinError] = useState<string | null>(null);
  const signIn = useSignIn(cabinet, token);

  // The step as of the last render, for ending its session from timers and callbacks.
  const current = useRef(step);
  current.current = step;
  const { refetch } = status;
  const endSession = useCallback(
    (message?: string) => {
      const ending = current.current;
      if (ending.kind === 'session' || ending.kind === 'open') void signOut(ending.session.id, token);
      setStep({ kind: 'idle', message });
      void refetch();
    },
    [token, refetch],
  );

  const [waiting, setWaiting] = useState(false);
  useIdleTimeout(
    AUTO_SIGN_OUT_MS,
    () => endSession('Signed out after a while without activity. Sign in again to continue.'),
    (step.kind === 'session' || step.kind === 'pin') && !waiting,
  );

  const identify = useCallback((identity: Identity) => {
    setPinError(null);
    setStep({ kind: 'pin', identity });
  }, []);

  const statusError = status.error;
  useEffect(() => {
    if (statusError instanceof ApiError && statusError.code === 'cabinet_unauthorized') onTokenRefused();
  }, [statusError, onTokenRefused]);

  if (!status.data) {
    return (
      <main className="kiosk-panel">
        {status.isError ? (
          <p className="error" role="alert">
            {refusalInWords(
              status.error instanceof ApiError ? status.error.code : 'network_error',
              status.error.message,
            )}{' '}
            This screen tries again by itself.
          </p>
        ) : (
          <p>Starting…</p>
        )}
      </main>
    );
  }

  switch (step.kind) {
    case 'idle':
      return (
        <IdleScreen
          status={status.data}
          readAt={status.dataUpdatedAt}
          message={step.message}
          onIdentify={identify}
        />
      );
    case 'pin':
      return (
        <main className="kiosk-panel">
          <PinPad
            label="Enter your PIN"
            screenHeading
            hint={'badge' in step.identity ? 'Badge read.' : `ID ${step.identity.person}.`}
            submitLabel="OK"
            minLength={4}
            busy={signIn.isPending}
            error={pinError}
            onCancel={() => endSession()}
            onSubmit={(pin) =>
              signIn.mutate(
                { identity: step.identity, pin },
                {
                  onSuccess: (session) => setStep({ kind: 'session', session }),
                  onError: (error) =>
                    setPinError(
                      error instanceof ApiError && error.code === 'authentication_failed'
                        ? 'Not recognised. Check your PIN and try again; after 5 failed tries you are locked out for a few minutes. Cancel to use another badge or ID.'
                        : refusalInWords(error instanceof ApiError ? error.code : 'unknown', error.message),
                    ),
                },
              )
            }
          />
        </main>
      );
    case 'session':
      return (
        <SessionScreen
          status={status.data}
          session={step.session}
          token={token}
          onSession={(session) => setStep({ kind: 'session', session })}
          onTaken={(taken, label) => setStep({ kind: 'open', taken, label, session: step.session })}
          onSignOut={endSession}
          onWaiting={setWaiting}
        />
      );
    case 'open':
      return (
        <SlotOpen
          taken={step.taken}
          label={step.label}
          timezone={status.data.site.timezone}
          onDone={() => endSession(`${step.label} is yours. Signed out.`)}
        />
      );
  }
}
