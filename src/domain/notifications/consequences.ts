/**
 * The policy's consequences, read for action: which ones an event kind triggers, how long `within` and
 * `after` are, and what each `then` item does (notify:<recipient>, lock:<duration>, incident).
 */
import { parseDuration } from '../calendar/duration.js';
import type { ConsequenceFile } from '../policy/policy-file.js';

export type ConsequenceAction =
  | { kind: 'notify'; recipient: string }
  | { kind: 'lock'; ms: number; text: string }
  | { kind: 'incident' };

export interface IndexedConsequence {
  /** Position in the policy's consequences: the stable name of a consequence within a version. */
  index: number;
  consequence: ConsequenceFile;
  /** `within` in ms, or null. */
  withinMs: number | null;
  /** `after` in ms (0 when absent). */
  afterMs: number;
  actions: ConsequenceAction[];
}

/**
 * Reads one `then` item; null when it is not one of the three forms.
 * @example parseAction('lock:30m') // { kind: 'lock', ms: 1_800_000, text: '30m' }
 * @example parseAction('notify:role:watch-commander') // { kind: 'notify', recipient: 'role:watch-commander' }
 */
export function parseAction(item: string): ConsequenceAction | null {
  if (item === 'incident') return { kind: 'incident' };
  if (item.startsWith('notify:')) {
    const recipient = item.slice('notify:'.length);
    return recipient ? { kind: 'notify', recipient } : null;
  }
  if (item.startsWith('lock:')) {
    const text = item.slice('lock:'.length);
    const ms = parseDuration(text);
    return ms === null ? null : { kind: 'lock', ms, text };
  }
  return null;
}

/**
 * The consequences that apply to events of one kind, with durations and actions read.
 * @example consequencesOn(policy.consequences, 'denied')[0]?.withinMs // 600_000
 */
export function consequencesOn(
  consequences: readonly ConsequenceFile[],
  on: 'denied' | 'overdue' | 'unauthorised-removal',
): IndexedConsequence[] {
  const found: IndexedConsequence[] = [];
  consequences.forEach((consequence, index) => {
    if (consequence.on !== on) return;
    found.push({
      index,
      consequence,
      withinMs: consequence.within ? parseDuration(consequence.within) : null,
      afterMs: consequence.after ? (parseDuration(consequence.after) ?? 0) : 0,
      actions: consequence.then
        .map(parseAction)
        .filter((action): action is ConsequenceAction => action !== null),
    });
  });
  return found;
}

/**
 * Whether a `count`/`within` consequence fires now: enough events in the window, and it has not fired for
 * this person inside the same window already (so the fourth denial does not lock a second time).
 * @example countReached({ count: 3 }, 3, false) // true
 */
export function countReached(
  consequence: Pick<ConsequenceFile, 'count'>,
  eventsInWindow: number,
  firedInWindow: boolean,
): boolean {
  return eventsInWindow >= (consequence.count ?? 1) && !firedInWindow;
}
