import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeDuration, formatDuration, parseDuration } from './duration.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['30m', 30 * MINUTE],
    ['12h', 12 * HOUR],
    ['2d', 2 * DAY],
    ['1h30m', 90 * MINUTE],
    ['1d2h3m', DAY + 2 * HOUR + 3 * MINUTE],
    ['1d30m', DAY + 30 * MINUTE],
    ['90m', 90 * MINUTE],
    ['48h', 2 * DAY],
    [' 12h ', 12 * HOUR],
    ['0h30m', 30 * MINUTE],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '   ',
    '0m',
    '0h0m',
    '12',
    '12H',
    '1.5h',
    '-1h',
    '30m1h',
    '1h 30m',
    '10s',
    '1w',
    'h',
    'twelve hours',
  ])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [30 * MINUTE, '30m'],
    [90 * MINUTE, '1h30m'],
    [12 * HOUR, '12h'],
    [2 * DAY, '2d'],
    [DAY + 2 * HOUR + 3 * MINUTE, '1d2h3m'],
    [0, '0m'],
    // Rounded to the minute before splitting: never "60m" or "23h60m".
    [HOUR - 1, '1h'],
    [DAY - 1, '1d'],
    [59 * MINUTE + 29_000, '59m'],
  ])('writes %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes every whole-minute duration so that parseDuration reads it back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 * 24 * 60 }), (minutes) => {
        expect(parseDuration(formatDuration(minutes * MINUTE))).toBe(minutes * MINUTE);
      }),
    );
  });

  it('never writes 60 minutes or 24 hours for any millisecond count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 * DAY }), (ms) => {
        const text = formatDuration(ms);
        expect(text).not.toMatch(/(^|[dh])60m|(^|d)24h/);
        expect(parseDuration(text) ?? 0).toBe(Math.round(ms / MINUTE) * MINUTE);
      }),
    );
  });
});

describe('describeDuration', () => {
  it.each([
    [MINUTE, '1 minute'],
    [30 * MINUTE, '30 minutes'],
    [HOUR, '1 hour'],
    [90 * MINUTE, '1 hour 30 minutes'],
    [12 * HOUR, '12 hours'],
    [DAY, '1 day'],
    [2 * DAY + HOUR + MINUTE, '2 days 1 hour 1 minute'],
    [0, '0 minutes'],
    [DAY - 1, '1 day'],
  ])('says %i ms as %j', (ms, words) => {
    expect(describeDuration(ms)).toBe(words);
  });
});
