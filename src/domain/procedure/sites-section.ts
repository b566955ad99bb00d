/** "Sites, business hours and holidays": what after hours means at each site, and on which days. */
import Holidays from 'date-holidays';
import { SiteCalendar } from '../calendar/site-calendar.js';
import type { SiteFile } from '../policy/policy-file.js';
import { describeWeekLine, describeWeekRows, weekdayOfDate } from './describe-time.js';
import type { NameBook } from './name-book.js';
import { type Block, list, paragraph, part, type Section, table } from './procedure-model.js';
import { countOf, listAnd } from './words.js';

/**
 * The section on sites and their calendars, with the holidays and closures of one year.
 * @example buildSitesSection(book, 2026).title // 'Sites, business hours and holidays'
 */
export function buildSitesSection(book: NameBook, year: number): Section {
  const blocks: Block[] = [
    paragraph([
      { strong: 'After hours' },
      " means any time outside a site's business hours, and the whole day on a public holiday or a local closure of that site. Times are always the site's local time, including across daylight-saving changes.",
    ]),
    ...book.policy.sites.map((site) => describeSite(book, site, year)),
  ];
  const used = new Set(book.policy.rules.map((rule) => rule.when));
  const schedules = book.policy.schedules.filter((schedule) => used.has(schedule.id));
  if (schedules.length > 0) {
    blocks.push(
      part('Schedules used by the rules below', [
        paragraph("A schedule runs in the local time of the site where the key's cabinet stands."),
        list(
          schedules.map((schedule) => [{ strong: schedule.name }, `: ${describeWeekLine(schedule.windows)}`]),
        ),
      ]),
    );
  }
  return { title: 'Sites, business hours and holidays', blocks };
}

function describeSite(book: NameBook, site: SiteFile, year: number): Block {
  const cabinets = book.policy.cabinets
    .filter((cabinet) => cabinet.site === site.id)
    .map((cabinet) => `${cabinet.name} (${countOf(cabinet.slots, 'slot')})`);
  const blocks: Block[] = [
    paragraph(`Time zone: ${site.timezone}. All times for this site are its local time.`),
  ];
  if (cabinets.length > 0) blocks.push(paragraph(`Key cabinets: ${listAnd(cabinets)}.`));
  blocks.push(table(['Day', 'Business hours'], describeWeekRows(site.businessHours)));
  blocks.push(paragraph(describeHolidayRule(site)));

  const closures = new SiteCalendar(site).closuresIn(year);
  if (closures.length > 0) {
    blocks.push(paragraph(`Holidays and closures in ${year} (after hours from the time shown):`));
    blocks.push(
      table(
        ['Date', 'Day', 'Closed for', 'After hours from'],
        closures.map((day) => [
          day.date,
          weekdayOfDate(day.date),
          day.kind === 'closure' ? 'Local closure' : day.name,
          // Some public holidays start part-way through the day (Christmas Eve from 19:00 in South Australia).
          day.fromMinute
            ? `${String(Math.floor(day.fromMinute / 60)).padStart(2, '0')}:${String(day.fromMinute % 60).padStart(2, '0')}`
            : 'all day',
        ]),
      ),
    );
  } else {
    blocks.push(paragraph(`No holidays or closures in ${year}.`));
  }
  const open = (site.holidays?.open ?? []).filter((date) => date.startsWith(`${year}-`));
  if (open.length > 0)
    blocks.push(
      paragraph(
        `Open as usual, with normal business hours, although a public holiday: ${listAnd(open.map((date) => `${weekdayOfDate(date)} ${date}`))}.`,
      ),
    );
  return part(site.name, blocks);
}

function describeHolidayRule(site: SiteFile): string {
  const holidays = site.holidays;
  const closures = (holidays?.closed?.length ?? 0) > 0 ? ' Local closure days count as after hours too.' : '';
  if (!holidays?.country) return `Public holidays do not count as after hours at this site.${closures}`;
  const code = holidays.region ? `${holidays.country}/${holidays.region}` : holidays.country;
  const name = describeRegionName(holidays.country, holidays.region);
  return `Public holidays of ${code}${name ? ` (${name})` : ''} count as after hours (all day, or from the time the holiday starts).${closures}`;
}

/** "United States of America, Texas", from the same calendar data the system decides with. */
function describeRegionName(country: string, region: string | undefined): string | null {
  const directory = new Holidays();
  const countryName = directory.getCountries('en')?.[country];
  if (!countryName) return null;
  const regionName = region ? directory.getStates(country, 'en')?.[region] : undefined;
  return regionName ? `${countryName}, ${regionName}` : countryName;
}
