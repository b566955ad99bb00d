/**
 * A policy diff written out for people (text for the terminal, Markdown for a review request) or for
 * programs (JSON). Changes that loosen control are marked so the second approver finds them first.
 */
import { type PolicyChange, type PolicySection, SECTION_ORDER } from './diff-model.js';

export type DiffFormat = 'text' | 'md' | 'json';

const SECTION_TITLES: Record<PolicySection, string> = {
  policy: 'Policy',
  defaults: 'Defaults',
  sites: 'Sites',
  schedules: 'Schedules',
  cabinets: 'Cabinets',
  keyGroups: 'Key groups',
  keys: 'Keys',
  roles: 'Roles',
  people: 'People',
  reasons: 'Reasons',
  rules: 'Rules',
  notifications: 'Notifications',
  consequences: 'Consequences',
};

/** The marker before a change that loosens control, in text output. */
export const LOOSENS_MARK = '[loosens]';

/**
 * Writes changes as text (a count line, then one line per change under its section), Markdown, or JSON.
 * @example formatPolicyDiff([], { format: 'text' }) // 'no changes'
 */
export function formatPolicyDiff(changes: readonly PolicyChange[], options: { format: DiffFormat }): string {
  if (options.format === 'json') return JSON.stringify(changes, null, 2);
  if (changes.length === 0) return 'no changes';
  const loosening = changes.filter((change) => change.loosens).length;
  const header = `${changes.length} ${changes.length === 1 ? 'change' : 'changes'} (${loosening} ${loosening === 1 ? 'loosens' : 'loosen'} security)`;
  const groups = SECTION_ORDER.map((section) => ({
    title: SECTION_TITLES[section],
    items: changes.filter((change) => change.section === section),
  })).filter((group) => group.items.length > 0);

  if (options.format === 'md') {
    const parts = [`**${header}**`];
    for (const group of groups) {
      parts.push(
        `### ${group.title}`,
        group.items
          .map(
            (change) =>
              `- ${change.loosens ? '**Loosens security:** ' : ''}${escapeMarkdown(change.summary)} (\`${change.path}\`)`,
          )
          .join('\n'),
      );
    }
    return `${parts.join('\n\n')}\n`;
  }
  const lines = [header];
  for (const group of groups) {
    lines.push(`${group.title}:`);
    for (const change of group.items)
      lines.push(`  ${change.loosens ? `${LOOSENS_MARK} ` : ''}${change.summary}`);
  }
  return lines.join('\n');
}

/** Policy text is shown literally: no emphasis, links or HTML from names and labels. */
function escapeMarkdown(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\`*_[\]<>|~]/g, '\\$&');
}
