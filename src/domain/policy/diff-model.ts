/**
 * The vocabulary of a policy diff: one PolicyChange per thing an approver would notice, and the small
 * helpers the section differs share (matching items by id, comparing lists as sets, phrasing deltas).
 */

import { parseDuration } from '../calendar/duration.js';
import { type DiffNames, listAnd } from './diff-names.js';
import type { PolicyFile, SectionName } from './policy-file.js';

export type PolicySection = 'policy' | 'defaults' | SectionName;
export type ChangeKind = 'added' | 'removed' | 'changed';

/** One difference between two policy files, as a sentence and as data. */
export interface PolicyChange {
  kind: ChangeKind;
  section: PolicySection;
  /** The id of the item changed (a rule, a site, ...); null for the header, the defaults and consequences. */
  id: string | null;
  /** Where in the file, e.g. `rules[officers-patrol-cars].afterHours.reasons` or `consequences[0].then`. */
  path: string;
  /** One plain-English sentence for the approver. */
  summary: string;
  /** True when the change weakens control: the second approver should read these first. */
  loosens: boolean;
  before?: unknown;
  after?: unknown;
}

/** Section order of the policy file, used for grouping and sorting. */
export const SECTION_ORDER: readonly PolicySection[] = [
  'policy',
  'defaults',
  'sites',
  'schedules',
  'cabinets',
  'keyGroups',
  'keys',
  'roles',
  'people',
  'reasons',
  'rules',
  'notifications',
  'consequences',
];

/** Optional parts of a change. */
export interface ChangeDetails {
  loosens?: boolean;
  before?: unknown;
  after?: unknown;
}

/**
 * Builds a change; `before`/`after` are only set when given, so JSON output stays small.
 * @example makeChange('removed', 'reasons', 'x', 'reasons[x]', 'Reason x removed').loosens // false
 */
export function makeChange(
  kind: ChangeKind,
  section: PolicySection,
  id: string | null,
  path: string,
  summary: string,
  details: ChangeDetails = {},
): PolicyChange {
  const change: PolicyChange = { kind, section, id, path, summary, loosens: details.loosens ?? false };
  if ('before' in details) change.before = details.before;
  if ('after' in details) change.after = details.after;
  return change;
}

/**
 * The kind of a field's change: `added` when it appears, `removed` when it goes, else `changed`.
 * @example kindOf(undefined, '4h') // 'added'
 */
export function kindOf(before: unknown, after: unknown): ChangeKind {
  if (before === undefined) return 'added';
  if (after === undefined) return 'removed';
  return 'changed';
}

/** Items of two lists paired by id: added and removed ones, and pairs present in both (in `after` order). */
export interface Matched<T> {
  added: T[];
  removed: T[];
  common: [before: T, after: T][];
}

/**
 * Pairs items by id, ignoring their position.
 * @example matchById([{ id: 'a' }], [{ id: 'b' }]).added // [{ id: 'b' }]
 */
export function matchById<T extends { id: string }>(before: readonly T[], after: readonly T[]): Matched<T> {
  const beforeById = new Map(before.map((item) => [item.id, item]));
  const afterIds = new Set(after.map((item) => item.id));
  const added: T[] = [];
  const common: [T, T][] = [];
  for (const item of after) {
    const previous = beforeById.get(item.id);
    if (previous) common.push([previous, item]);
    else added.push(item);
  }
  return { added, removed: before.filter((item) => !afterIds.has(item.id)), common };
}

/** What was added to and removed from a list whose order does not matter. */
export interface ListDelta {
  added: string[];
  removed: string[];
}

/**
 * Compares two lists as sets.
 * @example listDelta(['sms', 'email'], ['email', 'webhook']) // { added: ['webhook'], removed: ['sms'] }
 */
export function listDelta(
  before: readonly string[] | undefined,
  after: readonly string[] | undefined,
): ListDelta {
  const was = new Set(before ?? []);
  const now = new Set(after ?? []);
  return {
    added: [...now].filter((item) => !was.has(item)),
    removed: [...was].filter((item) => !now.has(item)),
  };
}

/**
 * True when a delta holds nothing.
 * @example isEmptyDelta(listDelta(['a', 'b'], ['b', 'a'])) // true
 */
export function isEmptyDelta(delta: ListDelta): boolean {
  return delta.added.length === 0 && delta.removed.length === 0;
}

/**
 * A delta as "added A, B; removed C", each item shown by `show`.
 * @example describeDelta({ added: ['a'], removed: ['b'] }, (id) => id.toUpperCase()) // 'added A; removed B'
 */
export function describeDelta(delta: ListDelta, show: (item: string) => string): string {
  const parts: string[] = [];
  if (delta.added.length > 0) parts.push(`added ${delta.added.map(show).join(', ')}`);
  if (delta.removed.length > 0) parts.push(`removed ${delta.removed.map(show).join(', ')}`);
  return parts.join('; ');
}

/**
 * A stable text form of a value for equality: object keys sorted, so `{a, b}` equals `{b, a}`.
 * @example sameValue({ a: 1, b: [2] }, { b: [2], a: 1 }) // true
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return stableText(a) === stableText(b);
}

function stableText(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(stableText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${stableText(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A list sorted and without repeats, for lists whose order carries no meaning.
 * @example asSet(['b', 'a', 'b']) // ['a', 'b']
 */
export function asSet(list: readonly string[] | undefined): string[] | undefined {
  return list ? [...new Set(list)].sort() : undefined;
}

/**
 * Quotes free text in a sentence.
 * @example quote('Central Station') // '“Central Station”'
 */
export function quote(text: string | undefined): string {
  return text === undefined || text === '' ? 'nothing' : `“${text}”`;
}

/** What every section differ reads: both policies and the names of their items. */
export interface DiffContext {
  before: PolicyFile;
  after: PolicyFile;
  names: DiffNames;
}

/**
 * "now also X; no longer Y" for a list delta.
 * @example phraseDelta({ added: ['webhook'], removed: [] }, 'sent via', String) // 'now also sent via webhook'
 */
export function phraseDelta(delta: ListDelta, verb: string, show: (item: string) => string): string {
  const parts: string[] = [];
  if (delta.added.length > 0) parts.push(`now also ${verb} ${listAnd(delta.added.map(show))}`);
  if (delta.removed.length > 0) parts.push(`no longer ${verb} ${listAnd(delta.removed.map(show))}`);
  return parts.join('; ');
}

/**
 * Whether a duration grew; a missing or unreadable one compares as unknown (false).
 * @example durationLonger('15m', '30m') // true
 */
export function durationLonger(before: string | undefined, after: string | undefined): boolean {
  const ms = (text: string | undefined) => (text === undefined ? null : parseDuration(text));
  const [a, b] = [ms(before), ms(after)];
  return a !== null && b !== null && b > a;
}
