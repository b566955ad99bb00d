/**
 * A site as the console shows it at one instant: its local time with the offset, whether it is after hours
 * there and why, its business hours and the holidays and closures of its current local year. Pure: the
 * instant is given.
 */
import { DateTime } from 'luxon';
import type { SiteFile } from '../policy/policy-file.js';
import type { HoursStatus, SiteCalendar } from './site-calendar.js';

export interface SiteOverview {
  id: string;
  name: string;
  timezone: string;
  /** Local wall-clock time with its UTC offset, e.g. `2026-11-25T10:30:00.000-06:00`. */
  localTime: string;
  afterHours: boolean;
  status: HoursStatus;
  /** The holiday's name, or "local closure", when that is why it is after hours. */
  closedFor: string | null;
  /** Day -> windows (`"07:00-18:00"`); a day that is absent is closed. */
  businessHours: Record<string, string[]>;
  holidays: {
    country: string | null;
    region: string | null;
    year: number;
    days: { date: string; kind: 'holiday' | 'closure'; name: string; from: string | null }[];
  };
}

function minuteText(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/**
 * The site at `instantMs`, from its policy entry and its compiled calendar.
 * @example siteOverview(site, new SiteCalendar(site), Date.parse('2026-12-25T15:00:00Z')).closedFor // 'Christmas Day'
 */
export function siteOverview(site: SiteFile, calendar: SiteCalendar, instantMs: number): SiteOverview {
  const time = calendar.timeAt(instantMs);
  const local = DateTime.fromMillis(instantMs, { zone: site.timezone });
  const year = local.year;
  return {
    id: site.id,
    name: site.name,
    timezone: site.timezone,
    localTime: local.toISO() ?? new Date(instantMs).toISOString(),
    afterHours: time.afterHours,
    status: time.status,
    closedFor: time.closedFor ?? null,
    businessHours: Object.fromEntries(
      Object.entries(site.businessHours ?? {}).filter((entry): entry is [string, string[]] => !!entry[1]),
    ),
    holidays: {
      country: site.holidays?.country ?? null,
      region: site.holidays?.region ?? null,
      year,
      days: calendar.closuresIn(year).map((day) => ({
        date: day.date,
        kind: day.kind,
        name: day.name,
        from: day.fromMinute === undefined ? null : minuteText(day.fromMinute),
      })),
    },
  };
}
