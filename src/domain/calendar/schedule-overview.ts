/**
 * The policy's schedules as the console shows them: each named weekly window set in site time, with the
 * rules whose `when` names it (so a reader sees what a schedule is for). Pure.
 */
import { type PolicyFile, WEEKDAYS } from '../policy/policy-file.js';

export interface ScheduleOverview {
  id: string;
  name: string;
  /** Day -> windows (`"18:00-07:00"`) in the key's site time; an end before the start runs into the next day. */
  windows: Record<string, string[]>;
  /** Ids of the rules whose `when` is this schedule, in policy order. */
  rules: string[];
}

/** @example scheduleOverviews(riverside)[0] // { id: 'night-shift', name: 'Night shift', windows: {...}, rules: ['night-sergeants-facility'] } */
export function scheduleOverviews(policy: Pick<PolicyFile, 'schedules' | 'rules'>): ScheduleOverview[] {
  return policy.schedules.map((schedule) => {
    const windows: Record<string, string[]> = {};
    // Week order, leaving out days without a window (closed, as in business hours).
    for (const day of WEEKDAYS) {
      const list = schedule.windows[day];
      if (list && list.length > 0) windows[day] = [...list];
    }
    return {
      id: schedule.id,
      name: schedule.name,
      windows,
      rules: policy.rules.filter((rule) => rule.when === schedule.id).map((rule) => rule.id),
    };
  });
}
