import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  dateToDayNumber,
  dayNumberToDate,
  isKnownTimezone,
  type LocalTime,
  ZoneClock,
} from './zone-clock.js';

const MINUTE = 60_000;

/** What luxon says about an instant in a zone, in ZoneClock's terms. */
function luxonLocalTime(instantMs: number, zone: string): LocalTime {
  const time = DateTime.fromMillis(instantMs, { zone });
  return {
    dayNumber: dateToDayNumber(time.toISODate() ?? ''),
    minuteOfDay: time.hour * 60 + time.minute,
    weekday: time.weekday - 1,
    offsetMinutes: time.offset,
  };
}

/** "2026-11-01 01:30 Sun -300" for readable tables. */
function describeLocal(local: LocalTime): string {
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const hh = String(Math.floor(local.minuteOfDay / 60)).padStart(2, '0');
  const mm = String(local.minuteOfDay % 60).padStart(2, '0');
  return `${dayNumberToDate(local.dayNumber)} ${hh}:${mm} ${days[local.weekday]} ${local.offsetMinutes}`;
}

describe('ZoneClock.localTimeAt', () => {
  it.each([
    // America/Chicago, spring forward on Sunday 2026-03-08: 02:00 CST becomes 03:00 CDT.
    ['America/Chicago', '2026-03-08T07:59:00Z', '2026-03-08 01:59 Sun -360'],
    ['America/Chicago', '2026-03-08T08:00:00Z', '2026-03-08 03:00 Sun -300'],
    // America/Chicago, fall back on Sunday 2026-11-01: 01:00-02:00 happens twice.
    ['America/Chicago', '2026-11-01T06:00:00Z', '2026-11-01 01:00 Sun -300'],
    ['America/Chicago', '2026-11-01T06:59:59Z', '2026-11-01 01:59 Sun -300'],
    ['America/Chicago', '2026-11-01T07:00:00Z', '2026-11-01 01:00 Sun -360'],
    ['America/Chicago', '2026-11-01T07:30:00Z', '2026-11-01 01:30 Sun -360'],
    ['America/Chicago', '2026-11-01T08:00:00Z', '2026-11-01 02:00 Sun -360'],
    // The Riverside example's holiday instant.
    ['America/Chicago', '2026-11-27T08:30:00Z', '2026-11-27 02:30 Fri -360'],
    // Australia/Sydney, fall back on Sunday 2026-04-05: 03:00 AEDT becomes 02:00 AEST.
    ['Australia/Sydney', '2026-04-04T15:59:00Z', '2026-04-05 02:59 Sun 660'],
    ['Australia/Sydney', '2026-04-04T16:00:00Z', '2026-04-05 02:00 Sun 600'],
    ['Australia/Sydney', '2026-04-04T16:59:00Z', '2026-04-05 02:59 Sun 600'],
    // Australia/Sydney, spring forward on Sunday 2026-10-04: 02:00 AEST becomes 03:00 AEDT.
    ['Australia/Sydney', '2026-10-03T15:59:00Z', '2026-10-04 01:59 Sun 600'],
    ['Australia/Sydney', '2026-10-03T16:00:00Z', '2026-10-04 03:00 Sun 660'],
    // The local day changes at local midnight, a day ahead of UTC.
    ['Australia/Sydney', '2026-07-01T13:59:00Z', '2026-07-01 23:59 Wed 600'],
    ['Australia/Sydney', '2026-07-01T14:00:00Z', '2026-07-02 00:00 Thu 600'],
    // Europe/Berlin, 2026-03-29 and 2026-10-25 at 01:00 UTC.
    ['Europe/Berlin', '2026-03-29T00:59:00Z', '2026-03-29 01:59 Sun 60'],
    ['Europe/Berlin', '2026-03-29T01:00:00Z', '2026-03-29 03:00 Sun 120'],
    ['Europe/Berlin', '2026-10-25T00:30:00Z', '2026-10-25 02:30 Sun 120'],
    ['Europe/Berlin', '2026-10-25T01:30:00Z', '2026-10-25 02:30 Sun 60'],
    // Half-hour and three-quarter-hour zones.
    ['Asia/Kolkata', '2026-06-15T18:29:00Z', '2026-06-15 23:59 Mon 330'],
    ['Asia/Kolkata', '2026-06-15T18:30:00Z', '2026-06-16 00:00 Tue 330'],
    ['Australia/Adelaide', '2025-12-31T13:29:00Z', '2025-12-31 23:59 Wed 630'],
    ['Australia/Adelaide', '2025-12-31T13:30:00Z', '2026-01-01 00:00 Thu 630'],
    ['Australia/Adelaide', '2026-04-04T16:29:00Z', '2026-04-05 02:59 Sun 630'],
    ['Australia/Adelaide', '2026-04-04T16:30:00Z', '2026-04-05 02:00 Sun 570'],
    ['Asia/Kathmandu', '2026-01-01T18:14:00Z', '2026-01-01 23:59 Thu 345'],
    ['Asia/Kathmandu', '2026-01-01T18:15:00Z', '2026-01-02 00:00 Fri 345'],
    ['Australia/Lord_Howe', '2026-04-04T14:59:00Z', '2026-04-05 01:59 Sun 660'],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z', '2026-04-05 01:30 Sun 630'],
    // UTC and instants before 1970.
    ['UTC', '1970-01-01T00:00:00Z', '1970-01-01 00:00 Thu 0'],
    ['UTC', '1969-12-31T23:59:59Z', '1969-12-31 23:59 Wed 0'],
    ['America/Chicago', '1969-07-20T20:17:00Z', '1969-07-20 15:17 Sun -300'],
    // Offset changes that do not fall on a UTC quarter hour: St. John's and Casey changed at 00:01 local.
    ['America/St_Johns', '1992-04-05T03:30:59Z', '1992-04-05 00:00 Sun -210'],
    ['America/St_Johns', '1992-04-05T03:31:00Z', '1992-04-05 01:01 Sun -150'],
    ['America/St_Johns', '1992-04-05T03:39:50Z', '1992-04-05 01:09 Sun -150'],
    ['Antarctica/Casey', '2020-10-03T16:00:59Z', '2020-10-04 00:00 Sun 480'],
    ['Antarctica/Casey', '2020-10-03T16:01:00Z', '2020-10-04 03:01 Sun 660'],
  ])('in %s, %s is %s', (zone, iso, expected) => {
    const instant = Date.parse(iso);
    const local = new ZoneClock(zone).localTimeAt(instant);
    expect(describeLocal(local)).toBe(expected);
    expect(local).toEqual(luxonLocalTime(instant, zone));
  });

  const ZONES = [
    'America/Chicago',
    'Australia/Sydney',
    'Europe/Berlin',
    'Asia/Kolkata',
    'Australia/Adelaide',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'America/Sao_Paulo',
    'America/St_Johns',
    'America/Goose_Bay',
    'Antarctica/Casey',
    'Pacific/Chatham',
    'Pacific/Apia',
    'UTC',
  ];
  const FROM = Date.UTC(1975, 0, 1);
  const TO = Date.UTC(2060, 0, 1);

  it('agrees with luxon at any instant from 1975 to 2060 in zones of both hemispheres', () => {
    const clocks = new Map(ZONES.map((zone) => [zone, new ZoneClock(zone)]));
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (zone, instant) => {
        expect(clocks.get(zone)?.localTimeAt(instant)).toEqual(luxonLocalTime(instant, zone));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with luxon minute by minute around daylight-saving changes, whatever was asked before', () => {
    const changes: [string, string][] = [
      ['America/Chicago', '2026-03-08T08:00:00Z'],
      ['America/Chicago', '2026-11-01T07:00:00Z'],
      ['Australia/Sydney', '2026-04-04T16:00:00Z'],
      ['Australia/Sydney', '2026-10-03T16:00:00Z'],
      ['Europe/Berlin', '2026-10-25T01:00:00Z'],
      ['Australia/Adelaide', '2026-04-04T16:30:00Z'],
      ['America/St_Johns', '1992-04-05T03:31:00Z'],
      ['America/St_Johns', '2010-11-07T02:31:00Z'],
      ['America/Goose_Bay', '2007-03-11T04:01:00Z'],
      ['Antarctica/Casey', '2020-10-03T16:01:00Z'],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...changes),
        fc.array(fc.integer({ min: -90 * MINUTE, max: 90 * MINUTE }), { minLength: 1, maxLength: 40 }),
        ([zone, iso], offsets) => {
          // One clock for all questions, so a cached quarter hour answers the later ones.
          const clock = new ZoneClock(zone);
          for (const offset of offsets) {
            const instant = Date.parse(iso) + offset;
            expect(clock.localTimeAt(instant)).toEqual(luxonLocalTime(instant, zone));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the minute of day within 0..1439 and the weekday within 0..6', () => {
    const clock = new ZoneClock('Pacific/Chatham');
    fc.assert(
      fc.property(fc.integer({ min: -2e12, max: 4e12 }), (instant) => {
        const local = clock.localTimeAt(instant);
        expect(local.minuteOfDay).toBeGreaterThanOrEqual(0);
        expect(local.minuteOfDay).toBeLessThan(1440);
        expect(local.weekday).toBeGreaterThanOrEqual(0);
        expect(local.weekday).toBeLessThan(7);
      }),
    );
  });
});

describe('ZoneClock.offsetAt', () => {
  it.each([
    ['America/Chicago', '2026-07-01T12:00:00Z', -300],
    ['America/Chicago', '2026-01-01T12:00:00Z', -360],
    ['Asia/Kathmandu', '2026-07-01T12:00:00Z', 345],
    ['Australia/Adelaide', '2026-07-01T12:00:00Z', 570],
    ['Australia/Adelaide', '2026-01-01T12:00:00Z', 630],
  ])('gives %s at %s as %i minutes', (zone, iso, offset) => {
    expect(new ZoneClock(zone).offsetAt(Date.parse(iso))).toBe(offset);
  });
});

describe('ZoneClock constructor', () => {
  it.each(['Mars/Olympus_Mons', 'America/Chicgo', 'not a zone'])('refuses the unknown zone %j', (zone) => {
    expect(() => new ZoneClock(zone)).toThrow(`unknown timezone "${zone}"`);
  });
});

describe('isKnownTimezone', () => {
  it.each([
    ['America/Chicago', true],
    ['Asia/Kathmandu', true],
    ['UTC', true],
    ['America/Chicgo', false],
    ['', false],
    ['CST6CDT7', false],
  ])('says %j is known: %s', (zone, known) => {
    expect(isKnownTimezone(zone)).toBe(known);
  });
});

describe('day numbers', () => {
  it.each([
    ['1970-01-01', 0],
    ['1970-01-02', 1],
    ['1969-12-31', -1],
    ['2026-11-27', 20_784],
    ['2000-02-29', 11_016],
  ])('numbers %s as day %i and back', (date, day) => {
    expect(dateToDayNumber(date)).toBe(day);
    expect(dayNumberToDate(day)).toBe(date);
  });

  it('round-trips every day from 1900 to 2200', () => {
    fc.assert(
      fc.property(fc.integer({ min: -25_567, max: 84_006 }), (day) => {
        expect(dateToDayNumber(dayNumberToDate(day))).toBe(day);
      }),
    );
  });
});

describe('dayNumberToDate', () => {
  it('agrees with Date#toISOString for every day from year 1 to 9999', () => {
    for (let day = -719_162; day < 2_932_897; day += 7) {
      const expected = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (dayNumberToDate(day) !== expected) expect(dayNumberToDate(day)).toBe(expected);
    }
    expect(dayNumberToDate(20_784)).toBe('2026-11-27');
    expect(dayNumberToDate(0)).toBe('1970-01-01');
    expect(dayNumberToDate(11_016)).toBe('2000-02-29');
  });
});
