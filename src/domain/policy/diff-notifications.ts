/**
 * Notifications compared by id. Fewer events, fewer people told, fewer channels, narrower filters or later
 * escalation loosen control: fewer people hear about what happens at the cabinet.
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
import type { NotificationFile } from './policy-file.js';

function describeNotification(names: DiffNames, item: NotificationFile): string {
  return `on ${listAnd(item.on)}, to ${listAnd(item.to.map(names.recipient))}, via ${listAnd(item.via)}`;
}

const FILTERS = [
  { field: 'sensitivity', label: 'sensitivity filter' },
  { field: 'sites', label: 'site filter' },
  { field: 'groups', label: 'key group filter' },
] as const;

/**
 * Changes to notifications.
 * @example diffNotifications(ctx)[0]?.summary // 'Notification after-hours-removal: now also sent via webhook'
 */
export function diffNotifications({ before, after, names }: DiffContext): PolicyChange[] {
  const matched = matchById(before.notifications, after.notifications);
  const changes: PolicyChange[] = [
    ...matched.removed.map((item) =>
      makeChange(
        'removed',
        'notifications',
        item.id,
        `notifications[${item.id}]`,
        `Notification ${item.id} removed (was ${describeNotification(names, item)})`,
        {
          loosens: true,
          before: item,
        },
      ),
    ),
    ...matched.added.map((item) =>
      makeChange(
        'added',
        'notifications',
        item.id,
        `notifications[${item.id}]`,
        `Notification ${item.id} added: ${describeNotification(names, item)}`,
        {
          after: item,
        },
      ),
    ),
  ];
  for (const [was, now] of matched.common) {
    const at = `notifications[${now.id}]`;
    const push = (path: string, text: string, loosens: boolean, a: unknown, b: unknown) =>
      changes.push(
        makeChange(
          kindOf(a, b),
          'notifications',
          now.id,
          `${at}.${path}`,
          `Notification ${now.id}: ${text}`,
          { loosens, before: a, after: b },
        ),
      );
    const lists = [
      { field: 'on', verb: 'on', show: (item: string) => item },
      { field: 'to', verb: 'sent to', show: names.recipient },
      { field: 'via', verb: 'sent via', show: (item: string) => item },
    ] as const;
    for (const { field, verb, show } of lists) {
      const delta = listDelta(was[field], now[field]);
      if (!isEmptyDelta(delta))
        push(field, phraseDelta(delta, verb, show), delta.removed.length > 0, was[field], now[field]);
    }
    const [a, b] = [was.when?.afterHours, now.when?.afterHours];
    if (a !== b) {
      const show = (value: boolean | undefined) =>
        value === undefined ? 'at any time' : value ? 'after hours only' : 'during business hours only';
      push('when.afterHours', `sent ${show(b)} instead of ${show(a)}`, b !== undefined, a, b);
    }
    for (const { field, label } of FILTERS) {
      const [x, y] = [was.when?.[field], now.when?.[field]];
      const delta = listDelta(x, y);
      if (isEmptyDelta(delta) && (x === undefined) === (y === undefined)) continue;
      const show = (list: readonly string[] | undefined) => (list === undefined ? 'any' : list.join(', '));
      const text =
        x !== undefined && y !== undefined
          ? `${label}: ${phraseDelta(delta, 'for', (item) => item)}`
          : `${label} changed from ${show(x)} to ${show(y)}`;
      // A filter that lets fewer events through means fewer people hear about them.
      push(`when.${field}`, text, y !== undefined && (x === undefined || delta.removed.length > 0), x, y);
    }
    changes.push(...diffEscalation(names, at, now.id, was, now));
  }
  return changes;
}

function diffEscalation(
  names: DiffNames,
  at: string,
  id: string,
  was: NotificationFile,
  now: NotificationFile,
): PolicyChange[] {
  const make = (path: string, text: string, loosens: boolean, a: unknown, b: unknown) =>
    makeChange(kindOf(a, b), 'notifications', id, `${at}.${path}`, `Notification ${id}: ${text}`, {
      loosens,
      before: a,
      after: b,
    });
  const [a, b] = [was.escalate, now.escalate];
  if (!a && !b) return [];
  const to = (list: readonly string[]) => listAnd(list.map(names.recipient));
  if (!a && b) return [make('escalate', `now escalates after ${b.after} to ${to(b.to)}`, false, a, b)];
  if (a && !b)
    return [make('escalate', `no longer escalates (was after ${a.after} to ${to(a.to)})`, true, a, b)];
  if (!a || !b) return [];
  const changes: PolicyChange[] = [];
  if (a.after !== b.after)
    changes.push(
      make(
        'escalate.after',
        `escalates after ${b.after} instead of ${a.after}`,
        durationLonger(a.after, b.after),
        a.after,
        b.after,
      ),
    );
  const delta = listDelta(a.to, b.to);
  if (!isEmptyDelta(delta))
    changes.push(
      make(
        'escalate.to',
        `escalation ${phraseDelta(delta, 'goes to', names.recipient)}`,
        delta.removed.length > 0,
        a.to,
        b.to,
      ),
    );
  return changes;
}
