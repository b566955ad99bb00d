import { lazy, useEffect, useState } from 'react';
import { getDemoKioskToken } from '../../features/kiosk/api/get-demo-kiosk-token';
import { useDemoOfficer } from '../../features/kiosk/api/get-demo-officer';
import { KioskTerminal } from '../../features/kiosk/components/kiosk-terminal';
import { forgetKioskToken, readKioskToken, saveKioskToken } from '../../features/kiosk/lib/kiosk-token';

// Its own bundle: a kiosk that never opens the simulator never loads it.
const CabinetSimulatorPage = lazy(() =>
  import('../../features/cabinet-simulator/components/cabinet-simulator').then((module) => ({
    default: module.CabinetSimulatorPage,
  })),
);

/**
 * /kiosk/{cabinet}: the cabinet's terminal. Under `serve --demo` it links to the cabinet's simulator
 * (/kiosk/{cabinet}/simulator, opened in another tab beside it); a real kiosk is a locked-down device in front
 * of a real cabinet, so it shows no such link (the page still opens by its address, for tests).
 */
export function KioskRoute(props: { cabinet: string }) {
  const demo = useDemoOfficer();
  return (
    <>
      <KioskTerminal cabinet={props.cabinet} />
      {demo.data ? (
        <footer className="kiosk-simulator-link">
          <a href={`/kiosk/${props.cabinet}/simulator`} target="_blank" rel="noopener">
            Cabinet simulator (demo tool): opens beside the kiosk
          </a>
        </footer>
      ) : null}
    </>
  );
}

/** /kiosk without a cabinet, or a path the app does not know. */
export function KioskIndexRoute() {
  return (
    <main className="kiosk-panel">
      <h1>Keywarden</h1>
      <p>
        Open a cabinet's kiosk at <code>/kiosk/CABINET</code> (for example{' '}
        <a href="/kiosk/central-a">/kiosk/central-a</a>), or the <a href="/console">console</a>.
      </p>
    </main>
  );
}

/**
 * /kiosk/{cabinet}/simulator: the cabinet simulator (a demo and testing tool playing the cabinet's hardware
 * over the cabinet protocol), opened beside the kiosk. It uses the kiosk's cabinet token on this device (under
 * `serve --demo` the demo's); without one it sends the person to set the kiosk up first.
 */
export function SimulatorRoute(props: { cabinet: string }) {
  const { cabinet } = props;
  const [token, setToken] = useState<string | null>(() => readKioskToken(cabinet));
  const [lookingForDemo, setLookingForDemo] = useState(token === null);
  const [refused, setRefused] = useState(false);

  useEffect(() => {
    if (token !== null) return;
    let stale = false;
    setLookingForDemo(true);
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
    return (
      <main className="kiosk-panel">
        <h1>Cabinet simulator: {cabinet}</h1>
        {lookingForDemo ? (
          <p>Starting…</p>
        ) : (
          <p>
            {refused
              ? `The server refused the token saved on this device for cabinet ${cabinet} (revoked, or of another cabinet).`
              : `This device has no token for cabinet ${cabinet}.`}{' '}
            Set the kiosk up {refused ? 'again' : 'first'} at{' '}
            <a href={`/kiosk/${cabinet}`}>/kiosk/{cabinet}</a> (paste the cabinet's token there), then come
            back to this page.
          </p>
        )}
      </main>
    );
  }
  return (
    <CabinetSimulatorPage
      key={token}
      cabinet={cabinet}
      token={token}
      onTokenRefused={() => {
        forgetKioskToken(cabinet);
        setRefused(true);
        setToken(null);
      }}
    />
  );
}
