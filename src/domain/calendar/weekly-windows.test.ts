import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEEKDAYS, type Weekday } from '../policy/policy-file.js';
import {
  buildWeekMask,
  isEmptyMask,
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  parseWindow,
  weekdayIndex,
} from './weekly-windows.js';

/** Minute of the week (Monday 00:00 = 0) of a day and "HH:MM". */
function minuteOf(day: Weekday, clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number) as [number, number];
  return weekdayIndex(day) * MINUTES_PER_DAY + hours * 60 + minutes;
}

function covered(mask: Uint8Array): number {
  return mask.reduce((sum, bit) => sum + bit, 0);
}

describe('parseWindow', () => {
  it.each([
    ['07:00-18:00', { start: 420, end: 1080 }],
    ['00:00-24:00', { start: 0, end: 1440 }],
    ['18:00-24:00', { start: 1080, end: 1440 }],
    ['22:00-06:00', { start: 1320, end: 360 }],
    ['23:59-00:00', { start: 1439, end: 0 }],
    ['00:00-00:01', { start: 0, end: 1 }],
    [' 09:15-17:45 ', { start: 555, end: 1065 }],
  ])('reads %j', (text, window) => {
    expect(parseWindow(text)).toEqual(window);
  });

  it.each([
    ['7:00-18:00', '"7:00-18:00" is not a window of the form "HH:MM-HH:MM"'],
    ['07:00 - 18:00', '"07:00 - 18:00" is not a window of the form "HH:MM-HH:MM"'],
    ['07:00', '"07:00" is not a window of the form "HH:MM-HH:MM"'],
    ['', '"" is not a window of the form "HH:MM-HH:MM"'],
    ['24:00-06:00', '"24:00-06:00": 24:00 is not a time of day'],
    ['25:00-06:00', '"25:00-06:00": 25:00 is not a time of day'],
    ['07:60-18:00', '"07:60-18:00": 07:60 is not a time of day'],
    ['07:00-24:30', '"07:00-24:30": 24:30 is not a time of day'],
    ['07:00-25:00', '"07:00-25:00": 25:00 is not a time of day'],
    ['07:00-18:61', '"07:00-18:61": 18:61 is not a time of day'],
    ['09:00-09:00', '"09:00-09:00" is empty: it starts and ends at the same time'],
    ['00:00-00:00', '"00:00-00:00" is empty: it starts and ends at the same time'],
  ])('refuses %j with a message saying what is wrong', (text, message) => {
    expect(parseWindow(text)).toBe(message);
  });
});

describe('weekdayIndex', () => {
  it('counts Monday as 0 and Sunday as 6', () => {
    expect(WEEKDAYS.map(weekdayIndex)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('buildWeekMask', () => {
  it('covers nothing without windows', () => {
    expect(isEmptyMask(buildWeekMask(undefined))).toBe(true);
    expect(isEmptyMask(buildWeekMask({}))).toBe(true);
    expect(isEmptyMask(buildWeekMask({ mon: [] }))).toBe(true);
    expect(buildWeekMask(undefined)).toHaveLength(MINUTES_PER_WEEK);
  });

  it('covers a window from its start up to, not including, its end', () => {
    const mask = buildWeekMask({ tue: ['07:00-18:00'] });
    expect(covered(mask)).toBe(11 * 60);
    expect(mask[minuteOf('tue', '06:59')]).toBe(0);
    expect(mask[minuteOf('tue', '07:00')]).toBe(1);
    expect(mask[minuteOf('tue', '17:59')]).toBe(1);
    expect(mask[minuteOf('tue', '18:00')]).toBe(0);
    expect(mask[minuteOf('mon', '07:00')]).toBe(0);
    expect(mask[minuteOf('wed', '07:00')]).toBe(0);
  });

  it('lets "24:00" end a window at midnight, through the last minute of the day', () => {
    const mask = buildWeekMask({ fri: ['18:00-24:00'] });
    expect(covered(mask)).toBe(6 * 60);
    expect(mask[minuteOf('fri', '23:59')]).toBe(1);
    expect(mask[minuteOf('sat', '00:00')]).toBe(0);
    expect(covered(buildWeekMask({ wed: ['00:00-24:00'] }))).toBe(MINUTES_PER_DAY);
  });

  it.each([
    ['mon', '22:00-06:00', 'mon', '22:00', 'tue', '05:59', 'tue', '06:00'],
    ['fri', '18:00-07:00', 'fri', '23:59', 'sat', '06:59', 'sat', '07:00'],
    // Sunday night wraps to Monday morning of the same bitmap week.
    ['sun', '22:00-06:00', 'sun', '22:00', 'mon', '05:59', 'mon', '06:00'],
    ['sun', '23:59-00:00', 'sun', '23:59', 'sun', '23:59', 'mon', '00:00'],
  ] as const)('runs %s %s past midnight', (day, text, firstDay, first, lastDay, last, afterDay, after) => {
    const window = parseWindow(text);
    if (typeof window === 'string') throw new Error(window);
    const mask = buildWeekMask({ [day]: [text] });
    const length = MINUTES_PER_DAY - window.start + window.end;
    expect(covered(mask)).toBe(length);
    expect(mask[minuteOf(firstDay, first)]).toBe(1);
    expect(mask[minuteOf(lastDay, last)]).toBe(1);
    expect(mask[minuteOf(afterDay, after)]).toBe(0);
    expect(mask[weekdayIndex(day) * MINUTES_PER_DAY + window.start - 1]).toBe(0);
  });

  it('joins several windows of a day and overlapping windows of neighbouring days', () => {
    const mask = buildWeekMask({ mon: ['08:00-12:00', '13:00-17:00', '22:00-02:00'], tue: ['01:00-03:00'] });
    expect(mask[minuteOf('mon', '12:30')]).toBe(0);
    expect(mask[minuteOf('mon', '13:00')]).toBe(1);
    expect(mask[minuteOf('tue', '01:30')]).toBe(1);
    expect(mask[minuteOf('tue', '02:30')]).toBe(1);
    expect(mask[minuteOf('tue', '03:00')]).toBe(0);
    expect(covered(mask)).toBe(4 * 60 + 4 * 60 + 2 * 60 + 3 * 60);
  });

  it('skips invalid windows and keeps the valid ones (validation reports the others)', () => {
    const mask = buildWeekMask({ mon: ['25:00-26:00', '09:00-10:00', 'noon', '11:00-11:00'] });
    expect(covered(mask)).toBe(60);
    expect(mask[minuteOf('mon', '09:30')]).toBe(1);
  });

  it('covers exactly the minutes that the windows describe, for any windows', () => {
    const clock = fc.integer({ min: 0, max: MINUTES_PER_DAY });
    const windowArb = fc
      .tuple(fc.constantFrom(...WEEKDAYS), fc.integer({ min: 0, max: MINUTES_PER_DAY - 1 }), clock)
      .filter(([, start, end]) => start !== end);
    fc.assert(
      fc.property(fc.array(windowArb, { maxLength: 6 }), (windows) => {
        const text = (m: number) =>
          `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        const spec: Partial<Record<Weekday, string[]>> = {};
        for (const [day, start, end] of windows)
          spec[day] = [...(spec[day] ?? []), `${text(start)}-${text(end)}`];
        const mask = buildWeekMask(spec);
        const expected = new Uint8Array(MINUTES_PER_WEEK);
        for (const [day, start, end] of windows) {
          const length = end > start ? end - start : MINUTES_PER_DAY - start + end;
          for (let m = 0; m < length; m++)
            expected[(weekdayIndex(day) * MINUTES_PER_DAY + start + m) % MINUTES_PER_WEEK] = 1;
        }
        // Compared by hand: deep equality of a 10 080-byte array is slow.
        const wrong = mask.findIndex((bit, minute) => bit !== expected[minute]);
        expect(wrong).toBe(-1);
      }),
    );
  });
});

describe('isEmptyMask', () => {
  it('is false as soon as one minute is covered', () => {
    expect(isEmptyMask(buildWeekMask({ sun: ['23:59-24:00'] }))).toBe(false);
  });
});
