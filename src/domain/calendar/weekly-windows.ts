/**
 * Weekly time windows ("mon: [07:00-18:00]") compiled into a bitmap of the minutes of the week, so that
 * asking "is this local minute inside?" is one array read.
 */
import { WEEKDAYS, type Weekday, type WeeklyWindows } from '../policy/policy-file.js';

export const MINUTES_PER_DAY = 1440;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

export interface TimeWindow {
  /** Minutes after local midnight. */
  start: number;
  /** Minutes after local midnight; up to 1440. Less than or equal to start: runs past midnight. */
  end: number;
}

const WINDOW_PATTERN = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

/**
 * Parses `"HH:MM-HH:MM"`; returns the window or a message saying what is wrong.
 * @example parseWindow('22:00-06:00') // { start: 1320, end: 360 } (runs past midnight)
 */
export function parseWindow(text: string): TimeWindow | string {
  const match = WINDOW_PATTERN.exec(text.trim());
  if (!match) return `"${text}" is not a window of the form "HH:MM-HH:MM"`;
  const [, sh, sm, eh, em] = match.map(Number) as [number, number, number, number, number];
  if (sh > 23 || sm > 59) return `"${text}": ${match[1]}:${match[2]} is not a time of day`;
  if (eh > 24 || em > 59 || (eh === 24 && em !== 0))
    return `"${text}": ${match[3]}:${match[4]} is not a time of day`;
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  if (start === end) return `"${text}" is empty: it starts and ends at the same time`;
  return { start, end };
}

/** Index of a weekday with Monday = 0, as in the policy file's `mon`..`sun`. */
export function weekdayIndex(day: Weekday): number {
  return WEEKDAYS.indexOf(day);
}

/**
 * Builds the minute-of-week bitmap (Monday 00:00 = 0) of weekly windows. A window whose end is before its
 * start runs into the next day (Sunday wraps to Monday). Invalid windows are skipped: validation reports them.
 */
export function buildWeekMask(windows: WeeklyWindows | undefined): Uint8Array {
  const mask = new Uint8Array(MINUTES_PER_WEEK);
  if (!windows) return mask;
  for (const day of WEEKDAYS) {
    for (const text of windows[day] ?? []) {
      const window = parseWindow(text);
      if (typeof window === 'string') continue;
      const dayStart = weekdayIndex(day) * MINUTES_PER_DAY;
      const length =
        window.end > window.start ? window.end - window.start : MINUTES_PER_DAY - window.start + window.end;
      for (let minute = 0; minute < length; minute++) {
        mask[(dayStart + window.start + minute) % MINUTES_PER_WEEK] = 1;
      }
    }
  }
  return mask;
}

/** True when weekly windows cover no minute at all. */
export function isEmptyMask(mask: Uint8Array): boolean {
  return mask.indexOf(1) === -1;
}
