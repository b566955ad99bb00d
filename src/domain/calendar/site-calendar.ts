/**
 * A site's calendar: business hours in its own timezone, public holidays from `date-holidays` for its country
 * and region, local closures and open days. Answers "is this instant after hours here?" in well under a
 * microsecond once warm, because holidays are computed once per year and offsets once per quarter hour.
 */
import Holidays from 'date-holidays';
import type { SiteFile } from '../policy/policy-file.js';
import { buildWeekMask, MINUTES_PER_DAY } from './weekly-windows.js';
import { dateToDayNumber, type LocalTime, ZoneClock } from './zone-clock.js';

export type HoursStatus =
  /** Inside business hours on a working day. */
  | 'business-hours'
  /** A working day, outside its business hours (or a day of the week with none). */
  | 'outside-business-hours'
  /** A public holiday of the site's country/region. */
  | 'holiday'
  /** A local closure date from the policy. */
  | 'closure';

export interface SiteTime {
  afterHours: boolean;
  status: HoursStatus;
  /** Name of the holiday or "local closure", when status says so. */
  closedFor?: string;
  local: LocalTime;
}

interface SpecialDay {
  kind: 'holiday' | 'closure';
  name: string;
  /**
   * Local minute from which the day counts, for a public holiday that starts part way through the day
   * (Christmas Eve from 19:00 in South Australia, from 13:00 in Iceland). Absent: the whole day.
   */
  fromMinute?: number;
}

/** `2026-12-24 19:00:00` -> 1140: where date-holidays starts a holiday on its first local day. */
const HOLIDAY_START = /^\d{4}-\d{2}-\d{2} (\d{2}):(\d{2})/;

export class SiteCalendar {
  readonly clock: ZoneClock;
  private readonly businessMask: Uint8Array;
  private readonly specialDays = new Map<number, SpecialDay>();
  private readonly openDays: Set<number>;
  private readonly loadedYears = new Set<number>();
  private readonly holidays: Holidays | null;

  constructor(readonly site: SiteFile) {
    this.clock = new ZoneClock(site.timezone);
    this.businessMask = buildWeekMask(site.businessHours);
    const country = site.holidays?.country;
    this.holidays = country
      ? site.holidays?.region
        ? new Holidays(country, site.holidays.region, { types: ['public'] })
        : new Holidays(country, { types: ['public'] })
      : null;
    this.openDays = new Set((site.holidays?.open ?? []).map(dateToDayNumber));
  }

  /**
   * Whether an instant is after hours at this site, and why.
   * @example calendar.timeAt(Date.parse('2026-12-25T15:00:00Z')) // { afterHours: true, status: 'holiday', closedFor: 'Christmas Day', ... }
   */
  timeAt(instantMs: number): SiteTime {
    const local = this.clock.localTimeAt(instantMs);
    const special = this.specialDay(local.dayNumber);
    if (special && local.minuteOfDay >= (special.fromMinute ?? 0))
      return { afterHours: true, status: special.kind, closedFor: special.name, local };
    const open = this.businessMask[local.weekday * MINUTES_PER_DAY + local.minuteOfDay] === 1;
    return { afterHours: !open, status: open ? 'business-hours' : 'outside-business-hours', local };
  }

  /** The holiday or closure on a local day, if any (open days cancel holidays). */
  specialDay(dayNumber: number): SpecialDay | undefined {
    const year = new Date(dayNumber * 86_400_000).getUTCFullYear();
    if (!this.loadedYears.has(year)) this.loadYear(year);
    return this.specialDays.get(dayNumber);
  }

  /** Public holidays and closures of one calendar year, for the written procedure and the console. */
  closuresIn(year: number): { date: string; kind: SpecialDay['kind']; name: string; fromMinute?: number }[] {
    if (!this.loadedYears.has(year)) this.loadYear(year);
    const first = dateToDayNumber(`${year}-01-01`);
    const last = dateToDayNumber(`${year}-12-31`);
    return [...this.specialDays.entries()]
      .filter(([day]) => day >= first && day <= last)
      .sort(([a], [b]) => a - b)
      .map(([day, special]) => ({ date: new Date(day * 86_400_000).toISOString().slice(0, 10), ...special }));
  }

  private loadYear(year: number): void {
    this.loadedYears.add(year);
    for (const holiday of this.holidays?.getHolidays(year) ?? []) {
      const first = dateToDayNumber(holiday.date.slice(0, 10));
      const start = HOLIDAY_START.exec(holiday.date);
      const fromMinute = start ? Number(start[1]) * 60 + Number(start[2]) : 0;
      const spanMs = fromMinute * 60_000 + holiday.end.getTime() - holiday.start.getTime();
      const days = Math.max(1, Math.round(spanMs / 86_400_000));
      for (let day = first; day < first + days; day++) {
        if (!this.openDays.has(day) && !this.specialDays.has(day)) {
          const partial = day === first && fromMinute > 0;
          this.specialDays.set(day, {
            kind: 'holiday',
            name: holiday.name,
            ...(partial ? { fromMinute } : {}),
          });
        }
      }
    }
    for (const date of this.site.holidays?.closed ?? []) {
      if (date.startsWith(`${year}-`))
        this.specialDays.set(dateToDayNumber(date), { kind: 'closure', name: 'local closure' });
    }
  }
}

/** Checks a holiday country and region against `date-holidays`; returns a message when unknown. */
export function checkHolidayRegion(country: string, region: string | undefined): string | null {
  const directory = new Holidays();
  const countries = directory.getCountries() ?? {};
  if (!(country in countries))
    return `unknown holiday country "${country}" (use an ISO 3166 code such as "US")`;
  if (region === undefined) return null;
  const states = directory.getStates(country) ?? {};
  if (!(region in states)) {
    const known = Object.keys(states);
    return `unknown holiday region "${region}" for ${country}${known.length ? ` (known: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', ...' : ''})` : ': it has no regions'}`;
  }
  return null;
}
