/**
 * The console's Cabinets section: /console/cabinets lists each cabinet, online or offline, with its keys in
 * and out; /console/cabinets/<id> shows its live slot map and, for admins, its terminal tokens.
 */
import { CabinetDetailView } from './cabinet-detail';
import { CabinetsList } from './cabinets-list';

export function CabinetsSection(props: { rest: string[]; canManageTokens: boolean }) {
  const [id] = props.rest;
  return (
    <div className="section-page">
      {id ? (
        <CabinetDetailView id={decodeURIComponent(id)} canManageTokens={props.canManageTokens} />
      ) : (
        <CabinetsList />
      )}
    </div>
  );
}
