import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { SiteFile, WeeklyWindows } from '../policy/policy-file.js';
import { checkHolidayRegion, type HoursStatus, SiteCalendar } from './site-calendar.js';
import { dateToDayNumber } from './zone-clock.js';

const WEEKDAY_HOURS: WeeklyWindows = {
  mon: ['07:00-18:00'],
  tue: ['07:00-18:00'],
  wed: ['07:00-18:00'],
  thu: ['07:00-18:00'],
  fri: ['07:00-18:00'],
  sat: ['08:00-12:00'],
};

function site(timezone: string, extra: Partial<SiteFile> = {}): SiteFile {
  return { id: 'site', name: 'Site', timezone, businessHours: WEEKDAY_HOURS, ...extra };
}

/** Epoch milliseconds of a local wall-clock time in a zone. */
function local(iso: string, zone: string): number {
  return DateTime.fromISO(iso, { zone }).toMillis();
}

type Row = [description: string, status: HoursStatus, calendar: SiteCalendar, instant: number, name?: string];

const CHICAGO = 'America/Chicago';
const texas = new SiteCalendar(site(CHICAGO, { holidays: { country: 'US', region: 'TX' } }));
const texasWithDays = new SiteCalendar(
  site(CHICAGO, { holidays: { country: 'US', region: 'TX', closed: ['2026-08-14'], open: ['2026-11-27'] } }),
);
const usFederal = new SiteCalendar(site(CHICAGO, { holidays: { country: 'US' } }));
const noHolidays = new SiteCalendar(site(CHICAGO));
const closuresOnly = new SiteCalendar(site(CHICAGO, { holidays: { closed: ['2026-03-03'] } }));
const SYDNEY = 'Australia/Sydney';
const nsw = new SiteCalendar(site(SYDNEY, { holidays: { country: 'AU', region: 'NSW' } }));
const ADELAIDE = 'Australia/Adelaide';
const sa = new SiteCalendar(site(ADELAIDE, { holidays: { country: 'AU', region: 'SA' } }));
const BERLIN = 'Europe/Berlin';
const bavaria = new SiteCalendar(site(BERLIN, { holidays: { country: 'DE', region: 'BY' } }));
const berlin = new SiteCalendar(site(BERLIN, { holidays: { country: 'DE', region: 'BE' } }));
const KATHMANDU = 'Asia/Kathmandu';
const kathmandu = new SiteCalendar(
  site(KATHMANDU, { businessHours: { sun: ['10:00-17:00'], mon: ['10:00-17:00'] } }),
);
const KOLKATA = 'Asia/Kolkata';
const kolkata = new SiteCalendar(site(KOLKATA, { businessHours: { mon: ['09:30-18:00'] } }));

describe('SiteCalendar.timeAt', () => {
  it.each<Row>([
    // Business hours in the site's own zone.
    ['a Wednesday morning', 'business-hours', texas, local('2026-11-25T10:00', CHICAGO)],
    ['the first minute of business hours', 'business-hours', texas, local('2026-11-25T07:00', CHICAGO)],
    ['the minute before opening', 'outside-business-hours', texas, local('2026-11-25T06:59', CHICAGO)],
    ['the last minute of business hours', 'business-hours', texas, local('2026-11-25T17:59', CHICAGO)],
    ['closing time', 'outside-business-hours', texas, local('2026-11-25T18:00', CHICAGO)],
    ['a Saturday morning', 'business-hours', texas, local('2026-11-28T09:00', CHICAGO)],
    ['a Saturday afternoon', 'outside-business-hours', texas, local('2026-11-28T13:00', CHICAGO)],
    ['a Sunday, a day with no hours', 'outside-business-hours', texas, local('2026-11-29T10:00', CHICAGO)],
    // Public holidays of US/TX, the whole local day.
    ['Thanksgiving', 'holiday', texas, local('2026-11-26T10:00', CHICAGO), 'Thanksgiving Day'],
    ['Thanksgiving at 00:00', 'holiday', texas, local('2026-11-26T00:00', CHICAGO), 'Thanksgiving Day'],
    ['Thanksgiving at 23:59', 'holiday', texas, local('2026-11-26T23:59', CHICAGO), 'Thanksgiving Day'],
    ['the evening before', 'outside-business-hours', texas, local('2026-11-25T23:59', CHICAGO)],
    [
      'the day after Thanksgiving in TX',
      'holiday',
      texas,
      local('2026-11-27T10:00', CHICAGO),
      'Day after Thanksgiving',
    ],
    [
      'Riverside 02:30 on 2026-11-27',
      'holiday',
      texas,
      Date.parse('2026-11-27T08:30:00Z'),
      'Day after Thanksgiving',
    ],
    [
      'Independence Day observed',
      'holiday',
      texas,
      local('2026-07-03T10:00', CHICAGO),
      'Independence Day (substitute day)',
    ],
    ['New Year 2027 (another year)', 'holiday', texas, local('2027-01-01T10:00', CHICAGO), "New Year's Day"],
    // The local day decides, not the UTC day.
    ['Wed 21:00 local, Thursday in UTC', 'outside-business-hours', texas, Date.parse('2026-11-26T03:00:00Z')],
    [
      'Thu 23:59 local, Friday in UTC',
      'holiday',
      usFederal,
      Date.parse('2026-11-27T05:59:00Z'),
      'Thanksgiving Day',
    ],
    // The day after Thanksgiving is not a federal public holiday.
    ['the day after Thanksgiving, US only', 'business-hours', usFederal, local('2026-11-27T10:00', CHICAGO)],
    // Observances are not public holidays.
    ["Valentine's Day, an observance", 'business-hours', usFederal, local('2026-02-14T10:00', CHICAGO)],
    // Closures and open days.
    ['a local closure', 'closure', texasWithDays, local('2026-08-14T10:00', CHICAGO), 'local closure'],
    ['an open day cancelling a holiday', 'business-hours', texasWithDays, local('2026-11-27T10:00', CHICAGO)],
    [
      'an open day outside its hours',
      'outside-business-hours',
      texasWithDays,
      local('2026-11-27T20:00', CHICAGO),
    ],
    [
      'a holiday next to the open day',
      'holiday',
      texasWithDays,
      local('2026-11-26T10:00', CHICAGO),
      'Thanksgiving Day',
    ],
    [
      'closures without a country',
      'closure',
      closuresOnly,
      local('2026-03-03T10:00', CHICAGO),
      'local closure',
    ],
    ['the day after that closure', 'business-hours', closuresOnly, local('2026-03-04T10:00', CHICAGO)],
    // No holidays block: Christmas is a working Friday.
    ['Christmas without holidays', 'business-hours', noHolidays, local('2026-12-25T10:00', CHICAGO)],
    // Australian state holidays, in the southern hemisphere.
    ['Labour Day in NSW', 'holiday', nsw, local('2026-10-05T10:00', SYDNEY), 'Labour Day'],
    ['Labour Day, Sunday 14:00 UTC', 'holiday', nsw, Date.parse('2026-10-04T14:00:00Z'), 'Labour Day'],
    ['Adelaide Cup Day in SA', 'holiday', sa, local('2026-03-09T10:00', ADELAIDE), 'Adelaide Cup Day'],
    ['Adelaide Cup Day in NSW', 'business-hours', nsw, local('2026-03-09T10:00', SYDNEY)],
    ['Easter Sunday, 25 hours long', 'holiday', nsw, Date.parse('2026-04-05T13:30:00Z'), 'Easter Sunday'],
    // South Australia's Christmas Eve and New Year's Eve are public holidays from 19:00 only.
    ['SA Christmas Eve morning', 'business-hours', sa, local('2026-12-24T10:00', ADELAIDE)],
    ['SA Christmas Eve 18:59', 'outside-business-hours', sa, local('2026-12-24T18:59', ADELAIDE)],
    ['SA Christmas Eve 19:00', 'holiday', sa, local('2026-12-24T19:00', ADELAIDE), 'Christmas Eve'],
    ['SA Christmas Eve 23:59', 'holiday', sa, local('2026-12-24T23:59', ADELAIDE), 'Christmas Eve'],
    ['SA Christmas Day', 'holiday', sa, local('2026-12-25T00:00', ADELAIDE), 'Christmas Day'],
    ['SA New Year Eve morning', 'business-hours', sa, local('2026-12-31T10:00', ADELAIDE)],
    ['SA New Year Eve 20:00', 'holiday', sa, local('2026-12-31T20:00', ADELAIDE), "New Year's Eve"],
    // German states differ.
    ['Epiphany in Bavaria', 'holiday', bavaria, local('2026-01-06T10:00', BERLIN), 'Heilige Drei Könige'],
    ['Epiphany in Berlin', 'business-hours', berlin, local('2026-01-06T10:00', BERLIN)],
    ['Ascension in Berlin', 'holiday', berlin, local('2026-05-14T10:00', BERLIN), 'Christi Himmelfahrt'],
    // Half-hour and three-quarter-hour zones.
    ['Kathmandu 09:59', 'outside-business-hours', kathmandu, Date.parse('2026-06-14T04:14:00Z')],
    ['Kathmandu 10:00', 'business-hours', kathmandu, Date.parse('2026-06-14T04:15:00Z')],
    ['Kathmandu 16:59', 'business-hours', kathmandu, Date.parse('2026-06-15T11:14:00Z')],
    ['Kathmandu 17:00', 'outside-business-hours', kathmandu, Date.parse('2026-06-15T11:15:00Z')],
    ['Kolkata 09:29', 'outside-business-hours', kolkata, Date.parse('2026-06-15T03:59:00Z')],
    ['Kolkata 09:30', 'business-hours', kolkata, Date.parse('2026-06-15T04:00:00Z')],
  ])('%s: %s', (_description, status, calendar, instant, name) => {
    const time = calendar.timeAt(instant);
    expect(time.status).toBe(status);
    expect(time.afterHours).toBe(status !== 'business-hours');
    expect(time.closedFor).toBe(name);
  });

  it('names the whole of a holiday and only that day, minute by minute', () => {
    const start = local('2026-11-26T00:00', CHICAGO);
    for (let minute = -60; minute < 24 * 60 + 60; minute++) {
      const time = texas.timeAt(start + minute * 60_000);
      expect(time.closedFor === 'Thanksgiving Day').toBe(minute >= 0 && minute < 24 * 60);
    }
  });

  it('gives the local time with the answer', () => {
    const time = texas.timeAt(Date.parse('2026-11-27T08:30:00Z'));
    expect(time.local).toEqual({
      dayNumber: dateToDayNumber('2026-11-27'),
      minuteOfDay: 150,
      weekday: 4,
      offsetMinutes: -360,
    });
  });
});

describe('business hours across daylight-saving changes', () => {
  const fallBack = new SiteCalendar(site(CHICAGO, { businessHours: { sun: ['01:00-02:00'] } }));
  const springForward = new SiteCalendar(
    site(CHICAGO, { businessHours: { sun: ['02:00-03:00'], sat: ['01:30-03:30'] } }),
  );
  const sydneyFallBack = new SiteCalendar(site(SYDNEY, { businessHours: { sun: ['02:00-03:00'] } }));
  const sydneySpring = new SiteCalendar(site(SYDNEY, { businessHours: { sun: ['01:30-03:30'] } }));

  it.each<[string, string, HoursStatus, SiteCalendar]>([
    // Chicago 2026-11-01: 01:00-02:00 happens twice, and both are business hours.
    ['before the repeated hour', '2026-11-01T05:59:00Z', 'outside-business-hours', fallBack],
    ['01:00 CDT', '2026-11-01T06:00:00Z', 'business-hours', fallBack],
    ['01:30 CDT', '2026-11-01T06:30:00Z', 'business-hours', fallBack],
    ['01:00 CST, the hour again', '2026-11-01T07:00:00Z', 'business-hours', fallBack],
    ['01:59 CST', '2026-11-01T07:59:00Z', 'business-hours', fallBack],
    ['02:00 CST', '2026-11-01T08:00:00Z', 'outside-business-hours', fallBack],
    // Chicago 2026-03-08: 02:00-03:00 does not exist, so that window covers no instant that day.
    ['01:59 CST', '2026-03-08T07:59:00Z', 'outside-business-hours', springForward],
    ['03:00 CDT', '2026-03-08T08:00:00Z', 'outside-business-hours', springForward],
    // Sydney 2026-04-05: 02:00-03:00 happens twice.
    ['02:30 AEDT', '2026-04-04T15:30:00Z', 'business-hours', sydneyFallBack],
    ['02:30 AEST', '2026-04-04T16:30:00Z', 'business-hours', sydneyFallBack],
    ['03:00 AEST', '2026-04-04T17:00:00Z', 'outside-business-hours', sydneyFallBack],
    // Sydney 2026-10-04: 02:00 AEST is 03:00 AEDT; a 01:30-03:30 window lasts one real hour.
    ['01:45 AEST', '2026-10-03T15:45:00Z', 'business-hours', sydneySpring],
    ['03:15 AEDT', '2026-10-03T16:15:00Z', 'business-hours', sydneySpring],
    ['03:30 AEDT', '2026-10-03T16:30:00Z', 'outside-business-hours', sydneySpring],
  ])('%s (%s) is %s', (_name, iso, status, calendar) => {
    expect(calendar.timeAt(Date.parse(iso)).status).toBe(status);
  });

  it('counts the minutes of a 01:00-02:00 window on fall-back day twice and on spring-forward day once', () => {
    const count = (calendar: SiteCalendar, fromIso: string) => {
      let minutes = 0;
      for (let m = 0; m < 26 * 60; m++)
        if (!calendar.timeAt(Date.parse(fromIso) + m * 60_000).afterHours) minutes++;
      return minutes;
    };
    expect(count(fallBack, '2026-11-01T05:00:00Z')).toBe(120);
    const oneToTwo = new SiteCalendar(site(CHICAGO, { businessHours: { sun: ['01:00-02:00'] } }));
    expect(count(oneToTwo, '2026-03-08T06:00:00Z')).toBe(60);
    expect(count(springForward, '2026-03-08T06:00:00Z')).toBe(0);
  });
});

describe('a site without business hours', () => {
  it('is always after hours', () => {
    const calendars = [
      new SiteCalendar({ id: 'x', name: 'X', timezone: CHICAGO }),
      new SiteCalendar({ id: 'x', name: 'X', timezone: SYDNEY, businessHours: {} }),
      new SiteCalendar({ id: 'x', name: 'X', timezone: KATHMANDU, holidays: { country: 'NP' } }),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...calendars),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
        (calendar, instant) => {
          const time = calendar.timeAt(instant);
          expect(time.afterHours).toBe(true);
          expect(time.status).not.toBe('business-hours');
        },
      ),
    );
  });
});

describe('a site open around the clock without holidays', () => {
  it('is never after hours', () => {
    const day = ['00:00-24:00'];
    const calendar = new SiteCalendar(
      site(SYDNEY, {
        businessHours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day },
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), (instant) => {
        expect(calendar.timeAt(instant).afterHours).toBe(false);
      }),
    );
  });
});

describe('SiteCalendar.closuresIn', () => {
  it('lists the public holidays and closures of a year in date order', () => {
    const calendar = new SiteCalendar(
      site(CHICAGO, { holidays: { country: 'US', region: 'TX', closed: ['2026-08-14', '2027-02-01'] } }),
    );
    const closures = calendar.closuresIn(2026);
    expect(closures.map((c) => c.date)).toEqual([...closures.map((c) => c.date)].sort());
    expect(closures).toContainEqual({ date: '2026-11-26', kind: 'holiday', name: 'Thanksgiving Day' });
    expect(closures).toContainEqual({ date: '2026-11-27', kind: 'holiday', name: 'Day after Thanksgiving' });
    expect(closures).toContainEqual({ date: '2026-08-14', kind: 'closure', name: 'local closure' });
    expect(closures.some((c) => c.date.startsWith('2027'))).toBe(false);
    expect(calendar.closuresIn(2027)).toContainEqual({
      date: '2027-02-01',
      kind: 'closure',
      name: 'local closure',
    });
  });

  it('leaves out open days and marks holidays that start late in the day', () => {
    const calendar = new SiteCalendar(
      site(ADELAIDE, { holidays: { country: 'AU', region: 'SA', open: ['2026-03-09'] } }),
    );
    const closures = calendar.closuresIn(2026);
    expect(closures.find((c) => c.date === '2026-03-09')).toBeUndefined();
    expect(closures).toContainEqual({
      date: '2026-12-24',
      kind: 'holiday',
      name: 'Christmas Eve',
      fromMinute: 1140,
    });
  });

  it('lets a closure on a public holiday win over the holiday', () => {
    const calendar = new SiteCalendar(
      site(CHICAGO, { holidays: { country: 'US', region: 'TX', closed: ['2026-12-24'] } }),
    );
    expect(calendar.timeAt(local('2026-12-24T10:00', CHICAGO))).toMatchObject({
      status: 'closure',
      closedFor: 'local closure',
    });
  });

  it('counts only public holidays, not observances', () => {
    // Valentine's Day and Mother's Day are observances in the US data.
    const names = usFederal.closuresIn(2026).map((c) => c.name);
    expect(names).not.toContain("Valentine's Day");
    expect(names).not.toContain("Mother's Day");
    expect(names).toContain('Christmas Day');
  });
});

describe('checkHolidayRegion', () => {
  it.each<[string, string | undefined, string | null]>([
    ['US', 'TX', null],
    ['US', undefined, null],
    ['AU', 'NSW', null],
    ['DE', 'BY', null],
    ['XX', undefined, 'unknown holiday country "XX" (use an ISO 3166 code such as "US")'],
    ['XX', 'TX', 'unknown holiday country "XX" (use an ISO 3166 code such as "US")'],
    ['AU', 'XX', 'unknown holiday region "XX" for AU (known: ACT, NSW, NT, QLD, SA, TAS, VIC, WA)'],
    [
      'US',
      'ZZ',
      'unknown holiday region "ZZ" for US (known: AL, AK, AZ, AR, CA, CO, CT, DE, DC, FL, GA, HI, ...)',
    ],
    ['IS', 'X', 'unknown holiday region "X" for IS: it has no regions'],
  ])('checks %s/%s', (country, region, message) => {
    expect(checkHolidayRegion(country, region)).toBe(message);
  });
});
