/**
 * The meaning of a structurally valid policy: references resolve, windows, zones, holiday calendars and
 * durations are real, the supervisor chain has no cycle, every rule can apply and every reason is allowed.
 */
import { parseDuration } from '../calendar/duration.js';
import { checkHolidayRegion } from '../calendar/site-calendar.js';
import { buildWeekMask, isEmptyMask, parseWindow } from '../calendar/weekly-windows.js';
import { isKnownTimezone } from '../calendar/zone-clock.js';
import { effectiveConditionsFile, parseApproval } from './conditions.js';
import {
  type ConditionsFile,
  type PolicyFile,
  type SectionName,
  WEEKDAYS,
  type WeeklyWindows,
} from './policy-file.js';
import type { PathSegment, ProblemList } from './problems.js';

export interface MeaningContext {
  /** Every id declared in the file, valid item or not. */
  declaredIds: Record<SectionName, Set<string>>;
  /** Position in the file of each valid item. */
  positions: Record<SectionName, number[]>;
  headerValid: boolean;
}

const RULE_TIMES = new Set(['always', 'business-hours', 'after-hours']);

export function checkMeaning(policy: PolicyFile, context: MeaningContext, problems: ProblemList): void {
  const ids = context.declaredIds;
  const at = (section: SectionName, position: number, ...rest: PathSegment[]): PathSegment[] => [
    section,
    context.positions[section][position] ?? position,
    ...rest,
  ];
  const requireId = (path: PathSegment[], section: SectionName, id: string, noun: string): boolean => {
    if (ids[section].has(id)) return true;
    problems.error(path, `unknown ${noun} "${id}"`);
    return false;
  };

  if (context.headerValid) requireId(['policy', 'owner'], 'people', policy.policy.owner, 'person');

  policy.sites.forEach((site, i) => {
    if (!isKnownTimezone(site.timezone)) {
      problems.error(
        at('sites', i, 'timezone'),
        `unknown timezone "${site.timezone}" (use an IANA name such as "America/Chicago")`,
      );
    }
    checkWindows(site.businessHours, at('sites', i, 'businessHours'), problems);
    const holidays = site.holidays;
    if (holidays?.region && !holidays.country)
      problems.error(at('sites', i, 'holidays', 'region'), 'a region needs a country');
    if (holidays?.country) {
      const message = checkHolidayRegion(holidays.country, holidays.region);
      if (message)
        problems.error(
          at('sites', i, 'holidays', holidays.region && message.includes('region') ? 'region' : 'country'),
          message,
        );
    }
    for (const [field, dates] of [
      ['closed', holidays?.closed],
      ['open', holidays?.open],
    ] as const) {
      (dates ?? []).forEach((date, j) => {
        if (
          Number.isNaN(Date.parse(`${date}T00:00:00Z`)) ||
          new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date
        ) {
          problems.error(at('sites', i, 'holidays', field, j), `"${date}" is not a calendar date`);
        }
      });
    }
    for (const date of holidays?.closed ?? []) {
      if (holidays?.open?.includes(date))
        problems.error(at('sites', i, 'holidays'), `${date} is listed as both closed and open`);
    }
  });

  policy.schedules.forEach((schedule, i) => {
    checkWindows(schedule.windows, at('schedules', i, 'windows'), problems);
  });

  policy.cabinets.forEach((cabinet, i) => {
    requireId(at('cabinets', i, 'site'), 'sites', cabinet.site, 'site');
  });

  const cabinetsById = new Map(policy.cabinets.map((cabinet) => [cabinet.id, cabinet]));
  const slotsTaken = new Map<string, string>();
  policy.keys.forEach((key, i) => {
    requireId(at('keys', i, 'group'), 'keyGroups', key.group, 'key group');
    if (requireId(at('keys', i, 'cabinet'), 'cabinets', key.cabinet, 'cabinet')) {
      const cabinet = cabinetsById.get(key.cabinet);
      if (cabinet && key.slot > cabinet.slots) {
        problems.error(
          at('keys', i, 'slot'),
          `slot ${key.slot} does not exist: cabinet "${cabinet.id}" has ${cabinet.slots} slots`,
        );
      }
      const slotKey = `${key.cabinet}#${key.slot}`;
      const other = slotsTaken.get(slotKey);
      if (other)
        problems.error(
          at('keys', i, 'slot'),
          `slot ${key.slot} of cabinet "${key.cabinet}" is already the home of key "${other}"`,
        );
      else slotsTaken.set(slotKey, key.id);
    }
  });

  checkPeople(policy, at, requireId, problems);

  const checkConditions = (conditions: ConditionsFile | undefined, path: PathSegment[]) => {
    if (!conditions) return;
    conditions.reasons?.forEach((reason, j) => {
      requireId([...path, 'reasons', j], 'reasons', reason, 'reason');
    });
    if (conditions.reasons && conditions.reasons.length === 0 && conditions.reason === 'required') {
      problems.error(
        [...path, 'reasons'],
        'a reason is required but no reason is allowed, so this can never be met',
      );
    }
    if (conditions.approval !== undefined) {
      const approval = parseApproval(conditions.approval);
      if (typeof approval === 'string') problems.error([...path, 'approval'], approval);
      else if (approval.kind === 'role') requireId([...path, 'approval'], 'roles', approval.role, 'role');
    }
    if (typeof conditions.witness === 'object') {
      conditions.witness.roles.forEach((role, j) => {
        requireId([...path, 'witness', 'roles', j], 'roles', role, 'role');
      });
    }
    if (conditions.maxDuration !== undefined && parseDuration(conditions.maxDuration) === null) {
      problems.error([...path, 'maxDuration'], badDuration(conditions.maxDuration));
    }
    if (
      conditions.factors &&
      conditions.factorKinds &&
      conditions.factors > new Set(conditions.factorKinds).size
    ) {
      problems.error(
        [...path, 'factors'],
        `${conditions.factors} distinct factors are needed but only ${new Set(conditions.factorKinds).size} kinds count (${conditions.factorKinds.join(', ')})`,
      );
    }
  };
  checkConditions(policy.defaults.afterHours, ['defaults', 'afterHours']);

  const allowedReasons = new Set<string>();
  let someRuleAllowsEveryReason = false;
  const reach = buildReachIndex(policy);
  policy.rules.forEach((rule, i) => {
    checkConditions(rule.require, at('rules', i, 'require'));
    checkConditions(rule.afterHours, at('rules', i, 'afterHours'));
    checkRuleReach(policy, rule, at('rules', i), requireId, ids.schedules, reach, problems);
    for (const afterHours of [false, true]) {
      const effective = effectiveConditionsFile(policy, rule, afterHours);
      if (!effective.reasons) someRuleAllowsEveryReason = true;
      for (const reason of effective.reasons ?? []) allowedReasons.add(reason);
      const kinds = new Set(effective.factorKinds ?? ['pin', 'badge', 'fingerprint', 'totp']);
      if ((effective.factors ?? 1) > kinds.size) {
        problems.error(
          at('rules', i, afterHours ? 'afterHours' : 'require'),
          `${afterHours ? 'after hours ' : ''}this rule needs ${effective.factors} distinct factors but only ${kinds.size} kinds count, so it can never be met`,
        );
      }
    }
    warnLooserAfterHours(policy, rule, at('rules', i), problems);
  });
  // A rule that failed its own checks may well allow the other reasons: do not report them as allowed by none.
  const everyRuleChecked = ids.rules.size <= policy.rules.length;
  if (!someRuleAllowsEveryReason && everyRuleChecked) {
    policy.reasons.forEach((reason, i) => {
      if (!allowedReasons.has(reason.id))
        problems.error(at('reasons', i, 'id'), `reason "${reason.id}" is allowed by no rule`);
    });
  }

  checkNotifications(policy, at, requireId, problems);
}

type At = (section: SectionName, position: number, ...rest: PathSegment[]) => PathSegment[];
type RequireId = (path: PathSegment[], section: SectionName, id: string, noun: string) => boolean;

function badDuration(text: string): string {
  return `"${text}" is not a duration: use a number with m, h or d, such as 30m, 12h, 2d or 1h30m`;
}

function checkWindows(windows: WeeklyWindows | undefined, path: PathSegment[], problems: ProblemList): void {
  for (const day of WEEKDAYS) {
    windows?.[day]?.forEach((text, j) => {
      const window = parseWindow(text);
      if (typeof window === 'string') problems.error([...path, day, j], window);
    });
  }
}

function checkPeople(policy: PolicyFile, at: At, requireId: RequireId, problems: ProblemList): void {
  const supervisorOf = new Map<string, string>();
  policy.people.forEach((person, i) => {
    person.roles.forEach((role, j) => {
      requireId(at('people', i, 'roles', j), 'roles', role, 'role');
    });
    if (person.supervisor === undefined) return;
    if (person.supervisor === person.id)
      problems.error(at('people', i, 'supervisor'), 'a person cannot be their own supervisor');
    else if (requireId(at('people', i, 'supervisor'), 'people', person.supervisor, 'person')) {
      supervisorOf.set(person.id, person.supervisor);
    }
  });
  const reported = new Set<string>();
  policy.people.forEach((person, i) => {
    const chain = [person.id];
    let next = supervisorOf.get(person.id);
    while (next !== undefined && !reported.has(next)) {
      if (next === person.id) {
        problems.error(at('people', i, 'supervisor'), `supervisor cycle: ${[...chain, next].join(' -> ')}`);
        for (const id of chain) reported.add(id);
        break;
      }
      if (chain.includes(next)) break;
      chain.push(next);
      next = supervisorOf.get(next);
    }
  });
}

/**
 * The format layers `defaults.afterHours` over a rule's own `require`, so a default can quietly make a rule
 * looser after hours than in the day (the armory's 1h becoming 12h). Almost never meant: say so.
 */
function warnLooserAfterHours(
  policy: PolicyFile,
  rule: PolicyFile['rules'][number],
  path: PathSegment[],
  problems: ProblemList,
): void {
  if (rule.when === 'business-hours' || !policy.defaults.afterHours) return;
  const day = effectiveConditionsFile(policy, rule, false);
  const night = effectiveConditionsFile(policy, rule, true);
  const fromDefaults = (field: keyof ConditionsFile) =>
    rule.afterHours?.[field] === undefined && policy.defaults.afterHours?.[field] !== undefined;
  const looser: string[] = [];
  const dayDuration = day.maxDuration ? parseDuration(day.maxDuration) : null;
  const nightDuration = night.maxDuration ? parseDuration(night.maxDuration) : null;
  if (
    fromDefaults('maxDuration') &&
    dayDuration !== null &&
    (nightDuration === null || nightDuration > dayDuration)
  ) {
    looser.push(`maxDuration ${day.maxDuration} becomes ${night.maxDuration ?? 'unlimited'}`);
  }
  if (fromDefaults('factors') && (night.factors ?? 1) < (day.factors ?? 1))
    looser.push(`factors ${day.factors} becomes ${night.factors}`);
  if (
    fromDefaults('maxKeysOut') &&
    day.maxKeysOut !== undefined &&
    (night.maxKeysOut ?? Number.POSITIVE_INFINITY) > day.maxKeysOut
  ) {
    looser.push(`maxKeysOut ${day.maxKeysOut} becomes ${night.maxKeysOut ?? 'unlimited'}`);
  }
  if (
    fromDefaults('approval') &&
    (day.approval ?? 'none') !== 'none' &&
    (night.approval ?? 'none') === 'none'
  )
    looser.push('the approval is dropped');
  if (fromDefaults('witness') && day.witness && !night.witness) looser.push('the witness is dropped');
  if (looser.length === 0) return;
  problems.warning(
    [...path, 'afterHours'],
    `after hours, defaults.afterHours makes this rule looser than in business hours (${looser.join('; ')}); set the rule's own afterHours fields if that is not meant`,
  );
}

/** Who holds what and which keys each group has, built once so that checking 500 rules stays linear. */
interface ReachIndex {
  activePeople: ReadonlySet<string>;
  rolesHeld: ReadonlySet<string>;
  keysByGroup: ReadonlyMap<string, PolicyFile['keys']>;
  keysById: ReadonlyMap<string, PolicyFile['keys']>;
}

function buildReachIndex(policy: PolicyFile): ReachIndex {
  const active = policy.people.filter((person) => person.active !== false);
  const keysByGroup = new Map<string, PolicyFile['keys']>();
  for (const key of policy.keys) {
    const group = keysByGroup.get(key.group);
    if (group) group.push(key);
    else keysByGroup.set(key.group, [key]);
  }
  return {
    activePeople: new Set(active.map((person) => person.id)),
    rolesHeld: new Set(active.flatMap((person) => person.roles)),
    keysByGroup,
    keysById: new Map(policy.keys.map((key) => [key.id, [key]])),
  };
}

/** A rule that names nobody or no key, or whose `when` covers no instant, can never apply. */
function checkRuleReach(
  policy: PolicyFile,
  rule: PolicyFile['rules'][number],
  path: PathSegment[],
  requireId: RequireId,
  declaredSchedules: ReadonlySet<string>,
  reach: ReachIndex,
  problems: ProblemList,
): void {
  const roles = rule.who.roles ?? [];
  const people = rule.who.people ?? [];
  roles.forEach((role, j) => {
    requireId([...path, 'who', 'roles', j], 'roles', role, 'role');
  });
  people.forEach((person, j) => {
    requireId([...path, 'who', 'people', j], 'people', person, 'person');
  });
  if (roles.length === 0 && people.length === 0)
    problems.error([...path, 'who'], 'names nobody: give roles, people or both');
  else {
    const someoneHolds =
      people.some((person) => reach.activePeople.has(person)) ||
      roles.some((role) => reach.rolesHeld.has(role));
    if (!someoneHolds) problems.warning([...path, 'who'], 'no active person is covered by this rule yet');
  }

  const groups = rule.keys.groups ?? [];
  const keyIds = rule.keys.keys ?? [];
  keyIds.forEach((key, j) => {
    requireId([...path, 'keys', 'keys', j], 'keys', key, 'key');
  });
  const emptyGroups: number[] = [];
  groups.forEach((group, j) => {
    if (!requireId([...path, 'keys', 'groups', j], 'keyGroups', group, 'key group')) return;
    if (!reach.keysByGroup.has(group)) emptyGroups.push(j);
  });
  const coveredKeys = [
    ...new Set([
      ...groups.flatMap((group) => reach.keysByGroup.get(group) ?? []),
      ...keyIds.flatMap((id) => reach.keysById.get(id) ?? []),
    ]),
  ];
  if (groups.length === 0 && keyIds.length === 0)
    problems.error([...path, 'keys'], 'names no key: give groups, keys or both');
  for (const j of emptyGroups) {
    const message = `key group "${groups[j]}" has no keys`;
    if (coveredKeys.length === 0)
      problems.error([...path, 'keys', 'groups', j], `${message}, so this rule can never apply`);
    else problems.warning([...path, 'keys', 'groups', j], message);
  }

  if (RULE_TIMES.has(rule.when)) {
    if (rule.when === 'business-hours' && coveredKeys.length > 0) {
      const sites = new Set(
        coveredKeys.map((key) => policy.cabinets.find((c) => c.id === key.cabinet)?.site),
      );
      const known = policy.sites.filter((site) => sites.has(site.id));
      const someSiteOpens = known.some((site) => !isEmptyMask(buildWeekMask(site.businessHours)));
      // A site (or cabinet) that failed its own checks is reported there: do not guess its hours.
      if (known.length === sites.size && !someSiteOpens)
        problems.error(
          [...path, 'when'],
          'the sites of these keys have no business hours, so this rule can never apply',
        );
    }
    return;
  }
  const schedule = policy.schedules.find((s) => s.id === rule.when);
  // A schedule that is declared but failed its own checks is reported there, not as unknown here.
  if (!schedule && declaredSchedules.has(rule.when)) return;
  if (!schedule) {
    problems.error(
      [...path, 'when'],
      `unknown schedule "${rule.when}" (use always, business-hours, after-hours or a schedule id)`,
    );
  } else if (isEmptyMask(buildWeekMask(schedule.windows))) {
    problems.error(
      [...path, 'when'],
      `schedule "${schedule.id}" has no window, so this rule can never apply`,
    );
  }
}

const RECIPIENT_WORDS = new Set(['person', 'supervisor']);

function checkRecipient(
  text: string,
  path: PathSegment[],
  requireId: RequireId,
  problems: ProblemList,
): void {
  if (RECIPIENT_WORDS.has(text)) return;
  const [kind, ...rest] = text.split(':');
  const value = rest.join(':');
  if (kind === 'role' && value) requireId(path, 'roles', value, 'role');
  else if (kind === 'person' && value) requireId(path, 'people', value, 'person');
  else if (kind === 'email' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) return;
  else
    problems.error(
      path,
      `"${text}" is not a recipient: use person, supervisor, role:<id>, person:<id> or email:<address>`,
    );
}

function checkNotifications(policy: PolicyFile, at: At, requireId: RequireId, problems: ProblemList): void {
  policy.notifications.forEach((notification, i) => {
    notification.to.forEach((to, j) => {
      checkRecipient(to, at('notifications', i, 'to', j), requireId, problems);
    });
    notification.when?.sites?.forEach((site, j) => {
      requireId(at('notifications', i, 'when', 'sites', j), 'sites', site, 'site');
    });
    notification.when?.groups?.forEach((group, j) => {
      requireId(at('notifications', i, 'when', 'groups', j), 'keyGroups', group, 'key group');
    });
    if (notification.escalate) {
      if (parseDuration(notification.escalate.after) === null) {
        problems.error(at('notifications', i, 'escalate', 'after'), badDuration(notification.escalate.after));
      }
      notification.escalate.to.forEach((to, j) => {
        checkRecipient(to, at('notifications', i, 'escalate', 'to', j), requireId, problems);
      });
    }
  });

  policy.consequences.forEach((consequence, i) => {
    for (const field of ['within', 'after'] as const) {
      const value = consequence[field];
      if (value !== undefined && parseDuration(value) === null)
        problems.error(at('consequences', i, field), badDuration(value));
    }
    if (consequence.after !== undefined && consequence.on !== 'overdue') {
      problems.error(at('consequences', i, 'after'), '"after" applies only to overdue consequences');
    }
    if (consequence.within !== undefined && consequence.count === undefined) {
      problems.error(at('consequences', i, 'within'), '"within" needs a "count" of events');
    }
    if (consequence.count !== undefined && consequence.within === undefined) {
      problems.error(at('consequences', i, 'count'), '"count" needs a "within" window such as 10m');
    }
    consequence.then.forEach((action, j) => {
      const path = at('consequences', i, 'then', j);
      if (action === 'incident') return;
      if (action.startsWith('notify:')) checkRecipient(action.slice(7), path, requireId, problems);
      else if (action.startsWith('lock:')) {
        if (parseDuration(action.slice(5)) === null) problems.error(path, badDuration(action.slice(5)));
      } else
        problems.error(
          path,
          `"${action}" is not an action: use notify:<recipient>, lock:<duration> or incident`,
        );
    });
  });
}
