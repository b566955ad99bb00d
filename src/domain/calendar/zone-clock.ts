/**
 * Local wall-clock time in an IANA zone, fast. Luxon answers the zone's UTC offset; we remember it per
 * quarter hour of UTC. Almost every offset change falls on a quarter-hour boundary in UTC, but not all:
 * St. John's, Moncton and Goose Bay changed at 00:01 local for years, Casey and Gaza likewise, and
 * Kiritimati once used -10:40. So a quarter hour is cached only when its offset is the same at both ends;
 * one that holds a change is asked of luxon instant by instant.
 */
import { IANAZone } from 'luxon';
import { MINUTES_PER_DAY } from './weekly-windows.js';

const QUARTER_HOUR_MS = 900_000;
const DAY_MS = 86_400_000;
/** Bounds on remembered offsets per zone. */
const MAX_CACHED_DAYS = 50_000;
const MAX_CACHED_OFFSETS = 100_000;

export interface LocalTime {
  /** Local calendar days since 1970-01-01. */
  dayNumber: number;
  /** Minutes after local midnight, 0..1439. */
  minuteOfDay: number;
  /** Monday = 0 .. Sunday = 6. */
  weekday: number;
  /** The zone's offset from UTC at that instant, in minutes. */
  offsetMinutes: number;
}

export class ZoneClock {
  readonly zone: IANAZone;
  private readonly dayOffsets = new Map<number, number>();
  private readonly offsets = new Map<number, number>();

  constructor(readonly timezone: string) {
    this.zone = IANAZone.create(timezone);
    if (!this.zone.isValid) throw new Error(`unknown timezone "${timezone}"`);
  }

  /** UTC offset in minutes at an instant (epoch milliseconds). */
  offsetAt(instantMs: number): number {
    // Most UTC days have one offset all day: two luxon calls answer the whole day.
    const day = Math.floor(instantMs / DAY_MS);
    let dayOffset = this.dayOffsets.get(day);
    if (dayOffset === undefined) {
      const first = this.zone.offset(day * DAY_MS);
      const last = this.zone.offset((day + 1) * DAY_MS - 1);
      // NaN marks a day with an offset change inside it.
      dayOffset = first === last ? first : Number.NaN;
      if (this.dayOffsets.size >= MAX_CACHED_DAYS) this.dayOffsets.clear();
      this.dayOffsets.set(day, dayOffset);
    }
    if (!Number.isNaN(dayOffset)) return dayOffset;

    // A day with a change: remember quarter hours, but not every change falls on a quarter hour of UTC
    // (St. John's changed at 00:01 local for years), so a quarter hour with a change inside is asked exactly.
    const bucket = Math.floor(instantMs / QUARTER_HOUR_MS);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      const first = this.zone.offset(bucket * QUARTER_HOUR_MS);
      const last = this.zone.offset((bucket + 1) * QUARTER_HOUR_MS - 1);
      offset = first === last ? first : Number.NaN;
      if (this.offsets.size >= MAX_CACHED_OFFSETS) this.offsets.clear();
      this.offsets.set(bucket, offset);
    }
    return Number.isNaN(offset) ? this.zone.offset(instantMs) : offset;
  }

  /**
   * The local calendar day, minute and weekday at an instant.
   * @example new ZoneClock('America/Chicago').localTimeAt(Date.parse('2026-11-27T08:30:00Z')).minuteOfDay // 150
   */
  localTimeAt(instantMs: number): LocalTime {
    const offsetMinutes = this.offsetAt(instantMs);
    const localMs = instantMs + offsetMinutes * 60_000;
    const dayNumber = Math.floor(localMs / DAY_MS);
    const minuteOfDay = Math.floor((localMs - dayNumber * DAY_MS) / 60_000);
    // 1970-01-01 was a Thursday (Monday-based index 3).
    const weekday = (((dayNumber + 3) % 7) + 7) % 7;
    return { dayNumber, minuteOfDay: Math.min(minuteOfDay, MINUTES_PER_DAY - 1), weekday, offsetMinutes };
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * `YYYY-MM-DD` of a local day number, by arithmetic (Hinnant's civil-from-days): it is on the hot path of
 * every explanation, where Date#toISOString costs ten times as much.
 * @example dayNumberToDate(20_784) // '2026-11-27'
 */
export function dayNumberToDate(dayNumber: number): string {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year < 1000 ? String(year).padStart(4, '0') : year}-${pad2(month)}-${pad2(day)}`;
}

/** Local day number of a `YYYY-MM-DD` date. */
export function dateToDayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** True when the name is an IANA timezone that this runtime knows. */
export function isKnownTimezone(timezone: string): boolean {
  return IANAZone.isValidZone(timezone);
}
