/** "Situations in which after-hours access is allowed": every reason, with the keys it opens after hours. */
import { effectiveConditions } from '../policy/conditions.js';
import type { NameBook } from './name-book.js';
import { paragraph, type Section, table } from './procedure-model.js';
import { findRulePhases } from './rule-phases.js';

/**
 * The section listing each reason label and the rules that accept it after hours.
 * @example buildSituationsSection(book).blocks[1] // a table: Situation | Accepted after hours for
 */
export function buildSituationsSection(book: NameBook): Section {
  const afterHoursRules = book.policy.rules
    .filter((rule) => findRulePhases(book, rule).afterHours)
    .map((rule) => ({ rule, conditions: effectiveConditions(book.policy, rule, true) }));
  const rows = book.policy.reasons.map((reason) => {
    const accepting = afterHoursRules.filter(
      ({ conditions }) => conditions.reasons === null || conditions.reasons.has(reason.id),
    );
    return [
      reason.label,
      accepting.length > 0
        ? accepting.map(({ rule }) => book.describeRuleShort(rule)).join('; ')
        : 'No key after hours',
    ];
  });
  const required =
    afterHoursRules.length > 0 && afterHoursRules.every(({ conditions }) => conditions.reasonRequired);
  return {
    title: 'Situations in which after-hours access is allowed',
    blocks: [
      paragraph(
        required
          ? 'After hours a key is given only for one of these situations, chosen at the cabinet as the reason. Each key accepts only the situations shown for it.'
          : 'These are the situations that may be given as the reason for taking a key after hours. Each key accepts only the situations shown for it.',
      ),
      rows.length > 0
        ? table(['Situation', 'Accepted after hours for'], rows)
        : paragraph('The policy names no situations.'),
    ],
  };
}
