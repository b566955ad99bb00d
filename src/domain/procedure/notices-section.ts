/** "Notifications" and "Consequences of violations": who hears of what, and what follows a violation. */
import { describeConsequence, describeNotification } from './describe-notices.js';
import type { NameBook } from './name-book.js';
import { list, paragraph, type Section } from './procedure-model.js';

/**
 * The notifications section, one sentence per notification rule.
 * @example buildNotificationsSection(book).blocks[1] // a list of "When a key is taken after hours, ..." sentences
 */
export function buildNotificationsSection(book: NameBook): Section {
  const sentences = book.policy.notifications.map((notification) => describeNotification(book, notification));
  return {
    title: 'Notifications',
    blocks:
      sentences.length > 0
        ? [paragraph('The system sends these notifications by itself:'), list(sentences)]
        : [paragraph('This policy sends no notifications.')],
  };
}

/**
 * The consequences section, one sentence per consequence.
 * @example buildConsequencesSection(book).title // 'Consequences of violations'
 */
export function buildConsequencesSection(book: NameBook): Section {
  const sentences = book.policy.consequences.map((consequence) => describeConsequence(book, consequence));
  return {
    title: 'Consequences of violations',
    blocks: [
      paragraph(
        'Every sign-in, key taken, key returned and refusal is recorded in a tamper-evident log with the person, time, key and reason.',
      ),
      sentences.length > 0
        ? list(sentences)
        : paragraph('This policy sets no automatic consequences; violations are handled by management.'),
    ],
  };
}
