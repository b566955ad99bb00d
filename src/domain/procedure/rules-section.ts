/** "Who may take which keys, and when": one part per rule, in file order, with both sets of conditions. */
import { effectiveConditions } from '../policy/conditions.js';
import type { RuleFile } from '../policy/policy-file.js';
import { describeConditions } from './describe-conditions.js';
import { describeWeekLine } from './describe-time.js';
import type { NameBook } from './name-book.js';
import { type Block, list, paragraph, part, type Section } from './procedure-model.js';
import { findRulePhases } from './rule-phases.js';
import { capitalize } from './words.js';

/**
 * The section with one part per rule.
 * @example buildRulesSection(book).title // 'Who may take which keys, and when'
 */
export function buildRulesSection(book: NameBook): Section {
  return {
    title: 'Who may take which keys, and when',
    blocks: [
      paragraph(
        'Each rule below grants keys to people. When several rules could apply, the first one whose conditions are met decides.',
      ),
      ...book.policy.rules.map((rule, index) => describeRule(book, rule, index)),
    ],
  };
}

/**
 * When a rule applies, in words.
 * @example describeRuleTime(book, { ...rule, when: 'always' }) // 'at any time'
 */
export function describeRuleTime(book: NameBook, rule: RuleFile): string {
  if (rule.when === 'always') return 'at any time';
  if (rule.when === 'business-hours') return 'during business hours only';
  if (rule.when === 'after-hours') return 'only after hours';
  const schedule = book.schedule(rule.when);
  if (!schedule) return `during the schedule ${rule.when}`;
  return `during the ${schedule.name} schedule: ${describeWeekLine(schedule.windows)}`;
}

function describeRule(book: NameBook, rule: RuleFile, index: number): Block {
  const blocks: Block[] = [
    paragraph(
      `${capitalize(book.describeWho(rule))} may take ${book.describeKeys(rule)} ${describeRuleTime(book, rule)}.`,
    ),
  ];
  if (rule.description)
    blocks.push(paragraph(`Purpose: ${rule.description}${/[.!?]$/.test(rule.description) ? '' : '.'}`));
  const phases = findRulePhases(book, rule);
  if (phases.businessHours) {
    blocks.push(paragraph([{ strong: 'During business hours:' }]));
    blocks.push(list(describeConditions(book, effectiveConditions(book.policy, rule, false))));
  }
  if (phases.afterHours) {
    blocks.push(paragraph([{ strong: 'After hours:' }]));
    blocks.push(list(describeConditions(book, effectiveConditions(book.policy, rule, true))));
  }
  if (!phases.businessHours && phases.afterHours && rule.when !== 'after-hours')
    blocks.push(paragraph('This rule never applies during business hours at the sites of its keys.'));
  if (phases.businessHours && !phases.afterHours && rule.when !== 'business-hours')
    blocks.push(paragraph('This rule never applies after hours at the sites of its keys.'));
  if (rule.when === 'business-hours') blocks.push(paragraph('This rule does not apply after hours.'));
  if (rule.when === 'after-hours') blocks.push(paragraph('This rule does not apply during business hours.'));
  if (!phases.businessHours && !phases.afterHours)
    blocks.push(paragraph('This rule never applies at the sites of its keys.'));
  blocks.push(paragraph(`System reference: rule ${rule.id}.`));
  return part(`${index + 1}. ${capitalize(book.describeRuleShort(rule))}`, blocks);
}
