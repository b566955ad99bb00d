import { describe, expect, it } from 'vitest';
import type { SiteFile } from '../policy/policy-file.js';
import { SiteCalendar } from './site-calendar.js';
import { siteOverview } from './site-overview.js';

const chicago: SiteFile = {
  id: 'central',
  name: 'Central Station',
  timezone: 'America/Chicago',
  businessHours: { mon: ['07:00-18:00'], fri: ['07:00-18:00'], sat: ['08:00-12:00'] },
  holidays: { country: 'US', closed: ['2026-07-06'] },
};

const adelaide: SiteFile = {
  id: 'adelaide',
  name: 'Adelaide depot',
  timezone: 'Australia/Adelaide',
  businessHours: { thu: ['08:00-22:00'] },
  holidays: { country: 'AU', region: 'SA' },
};

describe('siteOverview', () => {
  it.each([
    // instant, site, local time, after hours, status, closed for
    ['2026-11-30T15:00:00Z', chicago, '2026-11-30T09:00:00.000-06:00', false, 'business-hours', null],
    ['2026-07-13T13:00:00Z', chicago, '2026-07-13T08:00:00.000-05:00', false, 'business-hours', null],
    ['2026-11-28T19:00:00Z', chicago, '2026-11-28T13:00:00.000-06:00', true, 'outside-business-hours', null],
    ['2026-11-26T18:00:00Z', chicago, '2026-11-26T12:00:00.000-06:00', true, 'holiday', 'Thanksgiving Day'],
    ['2026-07-06T15:00:00Z', chicago, '2026-07-06T10:00:00.000-05:00', true, 'closure', 'local closure'],
    ['2026-12-24T03:30:00Z', adelaide, '2026-12-24T14:00:00.000+10:30', false, 'business-hours', null],
  ] as const)('%s at %s', (instant, site, localTime, afterHours, status, closedFor) => {
    const overview = siteOverview(site, new SiteCalendar(site), Date.parse(instant));
    expect(overview).toMatchObject({ localTime, afterHours, status, closedFor });
  });

  it('lists the local year’s holidays and closures, with the hour a part-day holiday starts', () => {
    const overview = siteOverview(adelaide, new SiteCalendar(adelaide), Date.parse('2026-12-24T03:30:00Z'));
    expect(overview.holidays).toMatchObject({ country: 'AU', region: 'SA', year: 2026 });
    expect(overview.holidays.days).toContainEqual({
      date: '2026-12-24',
      kind: 'holiday',
      name: 'Christmas Eve',
      from: '19:00',
    });
    const chicagoDays = siteOverview(chicago, new SiteCalendar(chicago), Date.parse('2026-11-30T15:00:00Z'))
      .holidays.days;
    expect(chicagoDays).toContainEqual({
      date: '2026-07-06',
      kind: 'closure',
      name: 'local closure',
      from: null,
    });
  });

  it('takes the year at the site, not in UTC, and leaves closed days out of the business hours', () => {
    // 2027-01-01 02:00 UTC is still New Year's Eve in Chicago.
    const overview = siteOverview(chicago, new SiteCalendar(chicago), Date.parse('2027-01-01T02:00:00Z'));
    expect(overview.holidays.year).toBe(2026);
    expect(overview.businessHours).toEqual({
      mon: ['07:00-18:00'],
      fri: ['07:00-18:00'],
      sat: ['08:00-12:00'],
    });
  });
});
