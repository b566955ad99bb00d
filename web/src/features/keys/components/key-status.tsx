import type { KeyStatus } from '../api/get-keys';

const WORDS: Record<KeyStatus, string> = {
  in: 'In its cabinet',
  out: 'Out',
  missing: 'Missing',
  retired: 'Retired',
};

/** A key's status in words, with a colour that is never the only sign. */
export function KeyStatusLabel(props: { status: KeyStatus }) {
  return <span className={`key-status key-status-${props.status}`}>{WORDS[props.status]}</span>;
}
