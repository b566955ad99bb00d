import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffPolicies, formatPolicyDiff, type PolicyChange } from './diff-policy.js';
import { parsePolicyText } from './parse-policy.js';
import type { PolicyFile } from './policy-file.js';

function loadExample(): PolicyFile {
  const text = readFileSync(new URL('../../../examples/riverside-pd.yaml', import.meta.url), 'utf8');
  const { policy, problems } = parsePolicyText(text);
  if (!policy) throw new Error(`example policy is invalid: ${JSON.stringify(problems)}`);
  return policy;
}

/** Five changes in four sections, two of which loosen control (the rules' inherited changes left out). */
function someChanges(): PolicyChange[] {
  const before = loadExample();
  const after = structuredClone(before);
  after.defaults.afterHours = { ...after.defaults.afterHours, maxDuration: '1d' };
  after.rules = after.rules.filter((rule) => rule.id !== 'night-sergeants-facility');
  after.notifications.find((item) => item.id === 'overdue')?.via.push('webhook');
  after.notifications = after.notifications.filter((item) => item.id !== 'denied-after-hours');
  after.policy.name = 'Riverside *draft*';
  return diffPolicies(before, after).filter((change) => !/^rules\[.*\.afterHours\./.test(change.path));
}

describe('formatPolicyDiff', () => {
  it.each(['text', 'md'] as const)('says "no changes" in %s when the policies are equal', (format) => {
    const policy = loadExample();
    expect(formatPolicyDiff(diffPolicies(policy, structuredClone(policy)), { format })).toBe('no changes');
  });

  it('writes an empty JSON list when the policies are equal', () => {
    expect(JSON.parse(formatPolicyDiff([], { format: 'json' }))).toEqual([]);
  });

  it('writes text as a count line, then one line per change under its section', () => {
    expect(formatPolicyDiff(someChanges(), { format: 'text' })).toBe(
      [
        '5 changes (2 loosen security)',
        'Policy:',
        '  Policy name changed from “Riverside PD after-hours key access procedure” to “Riverside *draft*”',
        'Defaults:',
        '  [loosens] Default after-hours max duration changed from 12h to 1d',
        'Rules:',
        '  Rule night-sergeants-facility removed: Sergeants may take Facility and maintenance keys during the Night shift schedule',
        'Notifications:',
        '  [loosens] Notification denied-after-hours removed (was on denied, to the supervisor, via email)',
        '  Notification overdue: now also sent via webhook',
      ].join('\n'),
    );
  });

  it('counts one change in the singular', () => {
    const before = loadExample();
    const after = structuredClone(before);
    const person = after.people.find((item) => item.id === 'p-lee');
    if (person) person.active = true;
    expect(formatPolicyDiff(diffPolicies(before, after), { format: 'text' })).toBe(
      '1 change (1 loosens security)\nPeople:\n  [loosens] Person p-lee (Ana Lee) reactivated',
    );
  });

  it('writes Markdown with a heading per section, the loosening changes marked and policy text escaped', () => {
    const markdown = formatPolicyDiff(someChanges(), { format: 'md' });
    expect(markdown).toContain('**5 changes (2 loosen security)**');
    expect(markdown).toContain('### Defaults\n\n- **Loosens security:** Default after-hours max duration');
    expect(markdown).toContain('to “Riverside \\*draft\\*” (`policy.name`)');
    expect(markdown.match(/^### /gm)).toHaveLength(4);
  });

  it('writes JSON that reads back as the same changes', () => {
    const changes = someChanges();
    expect(JSON.parse(formatPolicyDiff(changes, { format: 'json' }))).toEqual(changes);
  });
});
