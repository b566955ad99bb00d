/**
 * The console's Keys section: /console/keys lists every key with its status (filterable), and
 * /console/keys/<id> shows one key with its history. Every role may read keys; a supervisor's history shows
 * only their team's checkouts (the API filters).
 */
import { KeyDetail } from './key-detail';
import { KeysList } from './keys-list';

export function KeysSection(props: { rest: string[] }) {
  const [id] = props.rest;
  return <div className="section-page">{id ? <KeyDetail id={decodeURIComponent(id)} /> : <KeysList />}</div>;
}
