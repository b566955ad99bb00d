/**
 * The cabinet simulator page (/kiosk/{cabinet}/simulator): a demo and testing tool that plays the cabinet's
 * hardware over the real cabinet protocol (docs/cabinet-protocol.md), beside the kiosk. Slots with their
 * fobs, locked or released by the server (with the time left); take a released fob, put a fob back in any
 * empty slot, hold the door open, force a locked fob out (a misuse: an unauthorised removal), go offline.
 */
import { useEffect, useState } from 'react';
import { ApiError } from '../../../lib/api-client';
import { type CabinetSlots, useCabinetSlots } from '../api/get-cabinet-slots';
import { useCabinetSimulator } from './use-cabinet-simulator';
import './cabinet-simulator.css';

export function CabinetSimulatorPage(props: { cabinet: string; token: string; onTokenRefused: () => void }) {
  const { cabinet, token, onTokenRefused } = props;
  const slots = useCabinetSlots(cabinet, token);
  const refused = slots.error instanceof ApiError && slots.error.code === 'cabinet_unauthorized';
  // A revoked token (a demo restarted, or an administrator's revoke-tokens): hand back to the route, which
  // takes the demo's new token or asks for the kiosk to be set up again.
  useEffect(() => {
    if (refused) onTokenRefused();
  }, [refused, onTokenRefused]);
  return (
    <main className="sim-page">
      <header className="sim-header">
        <div>
          <h1>Cabinet simulator: {cabinet}</h1>
          <p className="sim-banner">
            A demo and testing tool. This page plays the cabinet's hardware (slots, fobs, door) over the real
            cabinet protocol; a real installation has a cabinet here instead.
          </p>
        </div>
        <nav aria-label="Related pages">
          <a href={`/kiosk/${cabinet}`}>Open the kiosk of {cabinet}</a>
        </nav>
      </header>
      {slots.data ? (
        <SimulatedCabinet cabinet={cabinet} token={token} initial={slots.data} />
      ) : slots.isError ? (
        <div className="sim-problem" role="alert">
          {refused ? (
            <>
              <p>The server refused this device's token for {cabinet} (revoked, or of another cabinet).</p>
              <button type="button" className="sim-button" onClick={onTokenRefused}>
                Set the token again
              </button>
            </>
          ) : (
            <>
              <p>The cabinet's slots could not be read: {slots.error.message}</p>
              <button type="button" className="sim-button" onClick={() => void slots.refetch()}>
                Try again
              </button>
            </>
          )}
        </div>
      ) : (
        <p>Reading the cabinet's slots…</p>
      )}
    </main>
  );
}

function SimulatedCabinet(props: { cabinet: string; token: string; initial: CabinetSlots }) {
  const sim = useCabinetSimulator(props);
  const [chosen, setChosen] = useState<string | null>(null);
  const online = sim.connection.state === 'online';
  const disabled = !online || sim.busy;
  const now = Date.now();
  const door = sim.simulator.door;
  const selected = chosen && sim.held.includes(chosen) ? chosen : null;

  return (
    <>
      <section className="sim-controls" aria-label="Connection and door">
        <div className={`sim-state ${online ? 'good' : 'bad'}`}>
          <h2>Connection</h2>
          <p className="sim-state-value" data-testid="connection-state">
            {sim.connection.state === 'online'
              ? 'Online'
              : sim.connection.state === 'connecting'
                ? 'Connecting…'
                : 'Offline'}
          </p>
          {sim.connection.state === 'offline' ? <p className="sim-note">{sim.connection.reason}</p> : null}
          {sim.wantOnline ? (
            <button type="button" className="sim-button" onClick={() => sim.setWantOnline(false)}>
              Go offline
            </button>
          ) : (
            <button type="button" className="sim-button primary" onClick={() => sim.setWantOnline(true)}>
              Go online
            </button>
          )}
          <p className="sim-note">
            Offline, the cabinet stops its heartbeats; the server records it offline after 3 missed heartbeats
            (45 s by default) and alerts.
          </p>
        </div>
        <div className={`sim-state ${door === 'open' ? 'warn' : ''}`}>
          <h2>Door</h2>
          <p className="sim-state-value" data-testid="door-state">
            {door === 'open'
              ? `Open${sim.doorOpenedAt ? ` for ${Math.max(0, Math.round((now - sim.doorOpenedAt) / 1000))} s` : ''}`
              : 'Closed'}
          </p>
          <button
            type="button"
            className="sim-button"
            disabled={disabled}
            onClick={() => sim.setDoor(door !== 'open')}
          >
            {door === 'open' ? 'Close the door' : 'Open the door (hold it open)'}
          </button>
        </div>
        <div className="sim-state">
          <h2 id="held-heading">In your hand</h2>
          {sim.held.length === 0 ? (
            <p className="sim-note">No fob. Take a released fob from its slot.</p>
          ) : (
            <>
              <ul className="sim-held" aria-labelledby="held-heading">
                {sim.held.map((fob) => (
                  <li key={fob}>
                    <button
                      type="button"
                      className={`sim-fob-button ${selected === fob ? 'chosen' : ''}`}
                      aria-pressed={selected === fob}
                      onClick={() => setChosen(selected === fob ? null : fob)}
                    >
                      {sim.label(fob)} <span className="sim-tag">{fob}</span>
                    </button>
                  </li>
                ))}
              </ul>
              <p className="sim-note">
                {selected
                  ? `Now choose an empty slot for ${sim.label(selected)} (any slot).`
                  : 'To put a fob back, choose it, then an empty slot.'}
              </p>
            </>
          )}
        </div>
      </section>

      {online ? null : (
        <p className="sim-note sim-offline-note">
          Go online to take or put back fobs: an offline cabinet's changes reach the server only as
          differences in its next hello.
        </p>
      )}

      <section aria-labelledby="slots-heading">
        <h2 id="slots-heading">Slots</h2>
        <ol className="sim-slots">
          {[...sim.simulator.slots.values()].map((slot) => {
            const released = slot.fob !== null && slot.release !== null && now <= slot.release.until;
            const left = released && slot.release ? Math.ceil((slot.release.until - now) / 1000) : 0;
            const state = slot.fob === null ? 'empty' : released ? 'released' : 'locked';
            return (
              <li key={slot.slot} className={`sim-slot ${state}`} data-testid={`slot-${slot.slot}`}>
                <p className="sim-slot-number">Slot {slot.slot}</p>
                {slot.fob === null ? (
                  <>
                    <p className="sim-slot-state">Empty</p>
                    {selected ? (
                      <button
                        type="button"
                        className="sim-button"
                        disabled={disabled}
                        aria-label={`Put back here: ${sim.label(selected)} into slot ${slot.slot}`}
                        onClick={() => {
                          sim.insertFob(slot.slot, selected);
                          setChosen(null);
                        }}
                      >
                        Put back here
                      </button>
                    ) : null}
                  </>
                ) : (
                  <>
                    <p className="sim-slot-key">
                      {sim.label(slot.fob)} <span className="sim-tag">{slot.fob}</span>
                    </p>
                    <p className="sim-slot-state">
                      {released ? `Released: ${left} s left to take it` : 'Locked'}
                    </p>
                    {released ? (
                      <button
                        type="button"
                        className="sim-button primary"
                        disabled={disabled}
                        aria-label={`Take ${sim.label(slot.fob)} from slot ${slot.slot}`}
                        onClick={() => sim.removeFob(slot.slot, false)}
                      >
                        Take {sim.label(slot.fob)}
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="sim-button misuse"
                        disabled={disabled}
                        aria-label={`Force out (misuse): ${sim.label(slot.fob)} from slot ${slot.slot}, without a checkout`}
                        onClick={() => sim.removeFob(slot.slot, true)}
                      >
                        Force out (misuse)
                      </button>
                    )}
                  </>
                )}
              </li>
            );
          })}
        </ol>
      </section>

      <section aria-labelledby="log-heading" className="sim-log">
        <h2 id="log-heading">What the server recorded</h2>
        {sim.log.length === 0 ? (
          <p className="sim-note">Nothing yet. Take a key at the kiosk: its slot is released here.</p>
        ) : null}
        <ol aria-live="polite">
          {sim.log.map((entry) => (
            <li key={entry.id} className={`sim-log-${entry.tone}`}>
              {entry.text}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
