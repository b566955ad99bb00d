import { KioskTerminal } from '../../features/kiosk/components/kiosk-terminal';

/** /kiosk/{cabinet}: the cabinet's terminal. The simulator will sit beside it at /kiosk/{cabinet}/simulator. */
export function KioskRoute(props: { cabinet: string }) {
  return <KioskTerminal cabinet={props.cabinet} />;
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
 * /kiosk/{cabinet}/simulator: the place for the cabinet simulator (slots, fobs, door) that speaks the cabinet
 * protocol (docs/cabinet-protocol.md); built next.
 */
export function SimulatorRoute(props: { cabinet: string }) {
  return (
    <main className="kiosk-panel">
      <h1>Cabinet simulator: {props.cabinet}</h1>
      <p>
        Coming next: this cabinet's slots and key fobs, released and locked as the server says, with a door to
        hold open and a key to pull without a checkout. Meanwhile use the{' '}
        <a href={`/kiosk/${props.cabinet}`}>kiosk</a>.
      </p>
    </main>
  );
}
