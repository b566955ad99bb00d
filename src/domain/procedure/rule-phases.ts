/**
 * Whether a rule can ever apply during business hours, after hours, or both, so that the procedure shows
 * only the conditions a person can actually meet (a night-shift rule at a day-time site never needs its
 * business-hours steps printed).
 */
import { buildWeekMask, isEmptyMask } from '../calendar/weekly-windows.js';
import type { RuleFile, SiteFile } from '../policy/policy-file.js';
import type { NameBook } from './name-book.js';

export interface RulePhases {
  businessHours: boolean;
  afterHours: boolean;
}

/**
 * The phases in which a rule can apply at the sites of its keys.
 * @example findRulePhases(book, { ...rule, when: 'after-hours' }) // { businessHours: false, afterHours: true }
 */
export function findRulePhases(book: NameBook, rule: RuleFile): RulePhases {
  if (rule.when === 'business-hours') return { businessHours: true, afterHours: false };
  if (rule.when === 'after-hours') return { businessHours: false, afterHours: true };
  const sites = [...new Set(book.keysOfRule(rule).flatMap((key) => book.siteOfKey(key) ?? []))];
  // Without a key at a known site nothing narrows the rule down: say everything it would require.
  if (sites.length === 0) return { businessHours: true, afterHours: true };
  const schedule = rule.when === 'always' ? null : book.schedule(rule.when);
  const ruleMask = schedule ? buildWeekMask(schedule.windows) : null;
  return {
    businessHours: sites.some((site) => overlapsBusinessHours(site, ruleMask)),
    afterHours: sites.some((site) => reachesAfterHours(site, ruleMask)),
  };
}

/** A null mask stands for "always". */
function overlapsBusinessHours(site: SiteFile, ruleMask: Uint8Array | null): boolean {
  const business = buildWeekMask(site.businessHours);
  if (!ruleMask) return !isEmptyMask(business);
  return business.some((open, minute) => open === 1 && ruleMask[minute] === 1);
}

function reachesAfterHours(site: SiteFile, ruleMask: Uint8Array | null): boolean {
  // A holiday or closure can fall on any weekday, so any minute the rule covers may be after hours.
  if (site.holidays?.country || (site.holidays?.closed?.length ?? 0) > 0) return true;
  const business = buildWeekMask(site.businessHours);
  const mask = ruleMask ?? new Uint8Array(business.length).fill(1);
  return mask.some((covered, minute) => covered === 1 && business[minute] !== 1);
}
