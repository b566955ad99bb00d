import { formatInZone } from '../../../lib/format-in-zone';

/** Online or offline in words (and since when), never by colour alone. */
export function ConnectionState(props: { online: boolean; offlineSince: string | null; zone?: string }) {
  if (props.online) return <span className="online">Online</span>;
  return (
    <span className="offline">
      Offline{props.offlineSince ? ` since ${formatInZone(props.offlineSince, props.zone)}` : ''}
    </span>
  );
}
