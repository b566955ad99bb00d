/**
 * Sites (business hours, holidays) and schedules compared by id, day by day. Longer business hours loosen
 * control: fewer instants count as after hours. A longer schedule widens every rule that uses it.
 */
import { buildWeekMask } from '../calendar/weekly-windows.js';
import {
  type DiffContext,
  describeDelta,
  isEmptyDelta,
  kindOf,
  listDelta,
  makeChange,
  matchById,
  type PolicyChange,
  quote,
} from './diff-model.js';
import { WEEKDAYS, type Weekday, type WeeklyWindows } from './policy-file.js';

const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/**
 * Changes to sites.
 * @example diffSites(ctx)[0]?.summary // 'Site Central Station: business hours on Saturday changed from 08:00-12:00 to 08:00-13:00'
 */
export function diffSites({ before, after, names }: DiffContext): PolicyChange[] {
  const matched = matchById(before.sites, after.sites);
  const changes: PolicyChange[] = [
    ...matched.removed.map((site) =>
      makeChange(
        'removed',
        'sites',
        site.id,
        `sites[${site.id}]`,
        `Site ${names.named('site', site.id)} removed`,
        {
          before: site,
        },
      ),
    ),
    ...matched.added.map((site) =>
      makeChange(
        'added',
        'sites',
        site.id,
        `sites[${site.id}]`,
        `Site ${site.name} (${site.id}) added in ${site.timezone}`,
        {
          after: site,
        },
      ),
    ),
  ];
  for (const [was, now] of matched.common) {
    const at = `sites[${now.id}]`;
    const subject = `Site ${now.name}`;
    const change = (
      path: string,
      summary: string,
      details: { loosens?: boolean; before: unknown; after: unknown },
    ) =>
      changes.push(
        makeChange(kindOf(details.before, details.after), 'sites', now.id, `${at}.${path}`, summary, details),
      );
    if (was.name !== now.name)
      change('name', `Site ${now.id}: name changed from ${quote(was.name)} to ${quote(now.name)}`, {
        before: was.name,
        after: now.name,
      });
    if (was.timezone !== now.timezone)
      change('timezone', `${subject}: timezone changed from ${was.timezone} to ${now.timezone}`, {
        loosens: false,
        before: was.timezone,
        after: now.timezone,
      });
    for (const day of changedDays(was.businessHours, now.businessHours))
      change(
        `businessHours.${day}`,
        `${subject}: business hours on ${DAY_NAMES[day]} changed from ${showDay(was.businessHours, day)} to ${showDay(now.businessHours, day)}`,
        {
          loosens: dayWidens(was.businessHours, now.businessHours, day),
          before: was.businessHours?.[day],
          after: now.businessHours?.[day],
        },
      );
    const holidays = { was: was.holidays ?? {}, now: now.holidays ?? {} };
    for (const field of ['country', 'region'] as const) {
      const before = holidays.was[field];
      const after = holidays.now[field];
      if (before === after) continue;
      const text =
        after === undefined
          ? `no longer closed on the public holidays of ${before}`
          : `holiday ${field} ${before === undefined ? 'set to' : `changed from ${before} to`} ${after}`;
      // Without a holiday calendar, holidays keep business hours and their lighter conditions.
      change(`holidays.${field}`, `${subject}: ${text}`, { loosens: after === undefined, before, after });
    }
    const dates = [
      { field: 'closed', label: 'extra closure dates', loosenedBy: 'removed' },
      { field: 'open', label: 'holidays kept open', loosenedBy: 'added' },
    ] as const;
    for (const { field, label, loosenedBy } of dates) {
      const delta = listDelta(holidays.was[field], holidays.now[field]);
      if (isEmptyDelta(delta)) continue;
      change(`holidays.${field}`, `${subject}: ${label}: ${describeDelta(delta, (date) => date)}`, {
        loosens: delta[loosenedBy].length > 0,
        before: holidays.was[field],
        after: holidays.now[field],
      });
    }
  }
  return changes;
}

/**
 * Changes to schedules; a schedule that covers more minutes widens every rule that uses it.
 * @example diffSchedules(ctx)[0]?.summary // 'Schedule Night shift: windows on Monday changed from 18:00-07:00 to 17:00-07:00'
 */
export function diffSchedules({ before, after, names }: DiffContext): PolicyChange[] {
  const matched = matchById(before.schedules, after.schedules);
  const changes: PolicyChange[] = [
    ...matched.removed.map((item) =>
      makeChange(
        'removed',
        'schedules',
        item.id,
        `schedules[${item.id}]`,
        `Schedule ${names.named('schedule', item.id)} removed`,
        {
          before: item,
        },
      ),
    ),
    ...matched.added.map((item) =>
      makeChange(
        'added',
        'schedules',
        item.id,
        `schedules[${item.id}]`,
        `Schedule ${item.name} (${item.id}) added`,
        {
          after: item,
        },
      ),
    ),
  ];
  for (const [was, now] of matched.common) {
    const at = `schedules[${now.id}]`;
    if (was.name !== now.name)
      changes.push(
        makeChange(
          'changed',
          'schedules',
          now.id,
          `${at}.name`,
          `Schedule ${now.id}: name changed from ${quote(was.name)} to ${quote(now.name)}`,
          {
            before: was.name,
            after: now.name,
          },
        ),
      );
    for (const day of changedDays(was.windows, now.windows))
      changes.push(
        makeChange(
          kindOf(was.windows[day], now.windows[day]),
          'schedules',
          now.id,
          `${at}.windows.${day}`,
          `Schedule ${now.name}: windows on ${DAY_NAMES[day]} changed from ${showDay(was.windows, day)} to ${showDay(now.windows, day)}`,
          {
            loosens: dayWidens(was.windows, now.windows, day),
            before: was.windows[day],
            after: now.windows[day],
          },
        ),
      );
  }
  return changes;
}

function showDay(windows: WeeklyWindows | undefined, day: Weekday): string {
  const list = windows?.[day] ?? [];
  return list.length > 0 ? list.join(', ') : 'closed';
}

function changedDays(was: WeeklyWindows | undefined, now: WeeklyWindows | undefined): Weekday[] {
  return WEEKDAYS.filter((day) => !isEmptyDelta(listDelta(was?.[day], now?.[day])));
}

/** Whether a day's new windows cover a minute the old ones did not (windows past midnight included). */
function dayWidens(was: WeeklyWindows | undefined, now: WeeklyWindows | undefined, day: Weekday): boolean {
  const wasMask = buildWeekMask({ [day]: was?.[day] ?? [] });
  return buildWeekMask({ [day]: now?.[day] ?? [] }).some(
    (covered, minute) => covered === 1 && wasMask[minute] !== 1,
  );
}
