/**
 * "After-hours procedure": the numbered steps a person follows at the cabinet, generated from what the
 * after-hours conditions of the rules actually require, and a one-table summary per rule.
 */
import { type Conditions, effectiveConditions } from '../policy/conditions.js';
import type { RuleFile } from '../policy/policy-file.js';
import {
  describeApproval,
  describeFactors,
  describeReasons,
  describeReturn,
  describeWitness,
} from './describe-conditions.js';
import { describeConsequence, describeNotification } from './describe-notices.js';
import type { NameBook } from './name-book.js';
import { type Block, type ListItem, list, paragraph, part, type Section, table } from './procedure-model.js';
import { findRulePhases } from './rule-phases.js';
import { countOf } from './words.js';

interface AfterHoursRule {
  rule: RuleFile;
  conditions: Conditions;
}

/**
 * The step-by-step after-hours procedure.
 * @example buildStepsSection(book).title // 'After-hours procedure'
 */
export function buildStepsSection(book: NameBook): Section {
  const rules: AfterHoursRule[] = book.policy.rules
    .filter((rule) => findRulePhases(book, rule).afterHours)
    .map((rule) => ({ rule, conditions: effectiveConditions(book.policy, rule, true) }));
  if (rules.length === 0)
    return {
      title: 'After-hours procedure',
      blocks: [paragraph('No key may be taken after hours under this policy.')],
    };
  return {
    title: 'After-hours procedure',
    blocks: [
      paragraph('To take a key after hours, follow these steps at the cabinet:'),
      list(buildSteps(book, rules), true),
      part('What each key needs after hours', [summaryTable(book, rules)]),
    ],
  };
}

/** Items "condition – for the rules it applies to", one per distinct condition, in order of first appearance. */
function byCondition(
  book: NameBook,
  rules: readonly AfterHoursRule[],
  describe: (conditions: Conditions) => string | null,
): string[] {
  const groups = new Map<string, string[]>();
  for (const { rule, conditions } of rules) {
    const text = describe(conditions);
    if (text === null) continue;
    groups.set(text, [...(groups.get(text) ?? []), book.describeRuleShort(rule)]);
  }
  return [...groups].map(([text, names]) => `${text} – for ${names.join('; ')}`);
}

/** A step that says the condition once when every rule agrees, else lists it per rule. */
function step(
  book: NameBook,
  rules: readonly AfterHoursRule[],
  describe: (conditions: Conditions) => string,
  wording: { same: (text: string) => string; differs: string },
): ListItem {
  const values = new Set(rules.map(({ conditions }) => describe(conditions)));
  const [only] = values;
  return values.size === 1 && only !== undefined
    ? { text: wording.same(only) }
    : { text: wording.differs, items: byCondition(book, rules, describe) };
}

function buildSteps(book: NameBook, rules: readonly AfterHoursRule[]): ListItem[] {
  const steps: ListItem[] = [
    {
      text: 'Go to the cabinet that holds the key and sign in at its terminal with your badge or your person id.',
    },
  ];
  steps.push(
    step(book, rules, describeFactors, {
      same: (text) => `Prove who you are with ${text}.`,
      differs: 'Prove who you are with the factors the key needs:',
    }),
  );
  steps.push({
    text: 'Choose the key on the terminal. It tells you what is still missing before the key can be given.',
  });

  const reasons = byCondition(book, rules, (conditions) =>
    conditions.reasonRequired
      ? (describeReasons(book, conditions.reasons) ?? 'any of the situations above')
      : null,
  );
  if (reasons.length > 0)
    steps.push({
      text: 'Choose the situation that applies as your reason. Accepted situations:',
      items: reasons,
    });
  else steps.push({ text: 'You may choose the situation that applies as your reason.' });

  const witnesses = byCondition(book, rules, (conditions) => describeWitness(book, conditions.witness));
  if (witnesses.length > 0)
    steps.push({
      text: 'If the key needs a witness, the witness signs in at the same terminal with their own badge and factors. Witnesses needed:',
      items: witnesses,
    });

  const approvals = byCondition(book, rules, (conditions) => describeApproval(book, conditions.approval));
  if (approvals.length > 0)
    steps.push({
      text: 'If the key needs approval, the terminal asks for it. Wait until it is given. Approval by:',
      items: approvals,
    });

  steps.push({ text: 'Take the key only from the slot that opens, then close the cabinet door.' });
  steps.push(
    step(book, rules, (conditions) => describeReturn(conditions.maxDurationMs), {
      same: (text) => `Return the key to its own slot ${text}; the terminal shows the due time.`,
      differs: 'Return the key to its own slot by the due time shown on the terminal:',
    }),
  );
  const limits = byCondition(book, rules, (conditions) =>
    conditions.maxKeysOut === null ? null : `at most ${countOf(conditions.maxKeysOut, 'key')} at once`,
  );
  if (limits.length > 0) steps.push({ text: 'Do not hold more keys than allowed:', items: limits });

  const reports = book.policy.notifications
    .filter((notification) => notification.on.includes('checkout') && notification.when?.afterHours !== false)
    .map((notification) => describeNotification(book, notification));
  if (reports.length > 0)
    steps.push({ text: 'Taking the key is recorded and reported automatically:', items: reports });

  const denials = book.policy.consequences
    .filter((consequence) => consequence.on === 'denied')
    .map((consequence) => describeConsequence(book, consequence));
  steps.push({
    text: 'If the terminal refuses the key, do not force the cabinet: call your supervisor.',
    ...(denials.length > 0 ? { items: denials } : {}),
  });
  return steps;
}

function summaryTable(book: NameBook, rules: readonly AfterHoursRule[]): Block {
  return table(
    ['Keys and who', 'Prove identity with', 'Reason', 'Approval by', 'Witness', 'Return'],
    rules.map(({ rule, conditions }) => {
      const reasons = describeReasons(book, conditions.reasons);
      const reason = conditions.reasonRequired
        ? `required: ${reasons ?? 'any of the situations above'}`
        : reasons
          ? `optional: ${reasons}`
          : 'optional';
      return [
        book.describeRuleShort(rule),
        describeFactors(conditions),
        reason,
        describeApproval(book, conditions.approval) ?? 'none',
        describeWitness(book, conditions.witness) ?? 'none',
        describeReturn(conditions.maxDurationMs),
      ];
    }),
  );
}
