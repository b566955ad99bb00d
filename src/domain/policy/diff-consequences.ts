/**
 * Consequences, which have no id: matched by their event and their place among the consequences of that
 * event, so adding one for another event or reordering them reports nothing. A lighter consequence (later,
 * shorter lock, no incident, fewer people told) loosens control.
 */
import {
  type DiffContext,
  durationLonger,
  isEmptyDelta,
  kindOf,
  listDelta,
  makeChange,
  matchById,
  type PolicyChange,
  phraseDelta,
} from './diff-model.js';
import { type DiffNames, listAnd } from './diff-names.js';
import type { ConsequenceFile } from './policy-file.js';

/** A consequence's identity: its event and its place among the consequences of that event. */
function consequenceKeys(
  list: readonly ConsequenceFile[],
): { id: string; index: number; item: ConsequenceFile }[] {
  const seen = new Map<string, number>();
  return list.map((item, index) => {
    const ordinal = (seen.get(item.on) ?? 0) + 1;
    seen.set(item.on, ordinal);
    return { id: `${item.on}#${ordinal}`, index, item };
  });
}

function describeConsequence(names: DiffNames, item: ConsequenceFile): string {
  const trigger = [
    item.count !== undefined ? `${item.count} times` : '',
    item.within !== undefined ? `within ${item.within}` : '',
    item.after !== undefined ? `after ${item.after}` : '',
  ].filter(Boolean);
  const actions = item.then.map((action) => {
    if (action === 'incident') return 'opens an incident';
    if (action.startsWith('lock:')) return `locks the person out for ${action.slice(5)}`;
    if (action.startsWith('notify:')) return `notifies ${names.recipient(action.slice(7))}`;
    return action;
  });
  return `${trigger.length > 0 ? `${trigger.join(' ')}, ` : ''}${listAnd(actions)}`;
}

/**
 * Changes to consequences.
 * @example diffConsequences(ctx)[0]?.summary // 'Consequence 1 (denied): lock changed from 30m to 1h'
 */
export function diffConsequences({ before, after, names }: DiffContext): PolicyChange[] {
  const matched = matchById(consequenceKeys(before.consequences), consequenceKeys(after.consequences));
  const label = (entry: { index: number; item: ConsequenceFile }) =>
    `Consequence ${entry.index + 1} (${entry.item.on})`;
  const changes: PolicyChange[] = [
    ...matched.removed.map((entry) =>
      makeChange(
        'removed',
        'consequences',
        null,
        `consequences[${entry.index}]`,
        `${label(entry)} removed (was ${describeConsequence(names, entry.item)})`,
        {
          loosens: true,
          before: entry.item,
        },
      ),
    ),
    ...matched.added.map((entry) =>
      makeChange(
        'added',
        'consequences',
        null,
        `consequences[${entry.index}]`,
        `${label(entry)} added: ${describeConsequence(names, entry.item)}`,
        {
          after: entry.item,
        },
      ),
    ),
  ];
  for (const [wasEntry, nowEntry] of matched.common) {
    const [was, now] = [wasEntry.item, nowEntry.item];
    const at = `consequences[${nowEntry.index}]`;
    const push = (path: string, text: string, loosens: boolean, a: unknown, b: unknown) =>
      changes.push(
        makeChange(kindOf(a, b), 'consequences', null, `${at}.${path}`, `${label(nowEntry)}: ${text}`, {
          loosens,
          before: a,
          after: b,
        }),
      );
    if ((was.count ?? 1) !== (now.count ?? 1))
      push(
        'count',
        `count changed from ${was.count ?? 1} to ${now.count ?? 1}`,
        (now.count ?? 1) > (was.count ?? 1),
        was.count,
        now.count,
      );
    if (was.within !== now.within)
      push(
        'within',
        `window changed from ${was.within ?? 'none'} to ${now.within ?? 'none'}`,
        // The events must now fall in a shorter window, so fewer people reach the count.
        now.within !== undefined && (was.within === undefined || durationLonger(now.within, was.within)),
        was.within,
        now.within,
      );
    if (was.after !== now.after)
      push(
        'after',
        `applies ${now.after ? `${now.after} overdue` : 'as soon as overdue'} instead of ${was.after ? `${was.after} overdue` : 'as soon as overdue'}`,
        now.after !== undefined && (was.after === undefined || durationLonger(was.after, now.after)),
        was.after,
        now.after,
      );
    for (const [text, loosens] of diffActions(names, was.then, now.then))
      push('then', text, loosens, was.then, now.then);
  }
  return changes;
}

/** What changed in a consequence's actions, each with whether it makes the consequence lighter. */
function diffActions(names: DiffNames, was: readonly string[], now: readonly string[]): [string, boolean][] {
  const found: [string, boolean][] = [];
  const lock = (list: readonly string[]) => list.find((action) => action.startsWith('lock:'))?.slice(5);
  const [a, b] = [lock(was), lock(now)];
  if (a !== b) {
    if (a === undefined) found.push([`lock added: ${b}`, false]);
    else if (b === undefined) found.push([`lock removed (was ${a})`, true]);
    else found.push([`lock changed from ${a} to ${b}`, durationLonger(b, a)]);
  }
  const incident = [was.includes('incident'), now.includes('incident')];
  if (incident[0] !== incident[1])
    found.push([incident[1] ? 'now opens an incident' : 'no longer opens an incident', !incident[1]]);
  const notify = (list: readonly string[]) =>
    list.filter((action) => action.startsWith('notify:')).map((action) => action.slice(7));
  const delta = listDelta(notify(was), notify(now));
  if (!isEmptyDelta(delta))
    found.push([phraseDelta(delta, 'notifies', names.recipient), delta.removed.length > 0]);
  const other = (list: readonly string[]) =>
    list.filter((action) => action !== 'incident' && !/^(lock|notify):/.test(action));
  const rest = listDelta(other(was), other(now));
  if (!isEmptyDelta(rest))
    found.push([phraseDelta(rest, 'does', (action) => action), rest.removed.length > 0]);
  return found;
}
