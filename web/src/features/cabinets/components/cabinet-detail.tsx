import { formatInZone } from '../../../lib/format-in-zone';
import { useCabinet } from '../api/get-cabinet';
import { useSiteZones } from '../api/get-site-zones';
import { useCabinetEvents } from '../api/watch-cabinet';
import { ConnectionState } from './connection-state';
import { SlotMap } from './slot-map';
import { TokenPanel } from './token-panel';
import './cabinets.css';

const LIVE_WORDS = {
  connecting: 'Connecting…',
  live: 'Live: changes show as they happen',
  reconnecting: 'Reconnecting: the map re-reads every 15 seconds meanwhile',
} as const;

export function CabinetDetailView(props: { id: string; canManageTokens: boolean }) {
  const cabinet = useCabinet(props.id);
  const live = useCabinetEvents(props.id);
  const zones = useSiteZones();
  if (cabinet.isPending) return <p>Loading the cabinet…</p>;
  if (cabinet.isError)
    return (
      <p className="error" role="alert">
        {cabinet.error.message}. <a href="/console/cabinets">Back to all cabinets</a>
      </p>
    );
  const c = cabinet.data;
  const zone = zones.data?.get(c.site);
  return (
    <>
      <p>
        <a href="/console/cabinets">← All cabinets</a>
      </p>
      <section className="panel cabinet-summary" aria-labelledby="cabinet-heading">
        <h2 id="cabinet-heading">
          {c.name} <span className="muted">({c.id})</span>
        </h2>
        <p className={`live-state live-${live}`} role="status">
          {LIVE_WORDS[live]}
        </p>
        <dl className="cabinet-facts">
          <dt>Site</dt>
          <dd>
            {c.site} <span className="muted">(times in {zone ?? 'the site zone'})</span>
          </dd>
          <dt>Connection</dt>
          <dd>
            <ConnectionState online={c.online} offlineSince={c.offlineSince} zone={zone} />
          </dd>
          <dt>Door</dt>
          <dd>{c.door ? `${c.door} since ${formatInZone(c.doorSince, zone)}` : 'not reported yet'}</dd>
          <dt>Keys</dt>
          <dd>
            {c.keys.in} in, {c.keys.out} out, {c.keys.missing} missing
          </dd>
          <dt>Last seen</dt>
          <dd>{formatInZone(c.lastSeenAt, zone)}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="slots-heading">
        <h2 id="slots-heading">Slots</h2>
        <SlotMap slots={c.slotList} />
      </section>
      {props.canManageTokens ? <TokenPanel cabinet={c.id} tokens={c.tokens} /> : null}
    </>
  );
}
