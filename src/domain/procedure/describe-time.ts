/** Business hours, schedule windows and dates in words, as the wall copy shows them. */
import { parseWindow } from '../calendar/weekly-windows.js';
import { WEEKDAYS, type Weekday, type WeeklyWindows } from '../policy/policy-file.js';

export const WEEKDAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * One window in words; a window that ends before it starts runs into the next day.
 * @example describeWindow('22:00-06:00') // '22:00 – 06:00 (next day)'
 */
export function describeWindow(text: string): string {
  const window = parseWindow(text);
  // Validation refuses bad windows; should one slip through, show it as written rather than guess.
  if (typeof window === 'string') return text;
  if (window.start === 0 && window.end === 24 * 60) return 'all day';
  const range = `${clock(window.start)} – ${clock(window.end)}`;
  return window.end <= window.start ? `${range} (next day)` : range;
}

/**
 * The windows of one day, or "closed" when there are none.
 * @example describeDay(['07:00-12:00', '13:00-18:00']) // '07:00 – 12:00, 13:00 – 18:00'
 */
export function describeDay(windows: readonly string[] | undefined): string {
  return windows && windows.length > 0 ? windows.map(describeWindow).join(', ') : 'closed';
}

/**
 * Table rows of a weekly schedule: one row per day, Monday first.
 * @example describeWeekRows({ mon: ['07:00-18:00'] })[1] // ['Tuesday', 'closed']
 */
export function describeWeekRows(windows: WeeklyWindows | undefined): string[][] {
  return WEEKDAYS.map((day) => [WEEKDAY_NAMES[day], describeDay(windows?.[day])]);
}

/**
 * A weekly schedule in one line, days with the same windows run together.
 * @example describeWeekLine({ mon: ['18:00-07:00'], tue: ['18:00-07:00'] }) // 'Monday and Tuesday 18:00 – 07:00 (next day)'
 */
export function describeWeekLine(windows: WeeklyWindows): string {
  const open = WEEKDAYS.filter((day) => (windows[day]?.length ?? 0) > 0);
  if (open.length === 0) return 'never';
  const runs: { first: Weekday; last: Weekday; hours: string }[] = [];
  for (const day of WEEKDAYS) {
    const hours = describeDay(windows[day]);
    const previous = runs[runs.length - 1];
    const follows = previous && WEEKDAYS.indexOf(previous.last) === WEEKDAYS.indexOf(day) - 1;
    if (previous && follows && previous.hours === hours) previous.last = day;
    else runs.push({ first: day, last: day, hours });
  }
  const open7 = runs.length === 1 && runs[0]?.hours !== 'closed';
  if (open7) return `every day ${runs[0]?.hours}`;
  return runs
    .filter((run) => run.hours !== 'closed')
    .map((run) => `${describeDays(run.first, run.last)} ${run.hours}`)
    .join('; ');
}

function describeDays(first: Weekday, last: Weekday): string {
  if (first === last) return WEEKDAY_NAMES[first];
  const between = WEEKDAYS.indexOf(last) - WEEKDAYS.indexOf(first);
  return `${WEEKDAY_NAMES[first]}${between === 1 ? ' and ' : ' to '}${WEEKDAY_NAMES[last]}`;
}

/**
 * The weekday of a calendar date `YYYY-MM-DD`.
 * @example weekdayOfDate('2026-11-26') // 'Thursday'
 */
export function weekdayOfDate(date: string): string {
  const index = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
  const day = WEEKDAYS[index];
  return day ? WEEKDAY_NAMES[day] : '';
}
