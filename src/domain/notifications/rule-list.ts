/**
 * Every message-writing rule of a policy, as the console lists them for their templates: the policy's
 * notification rules (by their id), each consequence that notifies (`consequence:<index>`, 0-based as the
 * consequences service names them) and the due-time reminder (`system:reminder`).
 */
import type { PolicyFile } from '../policy/policy-file.js';
import { parseAction } from './consequences.js';

export interface ListedRule {
  /** The rule id templates are stored under. */
  id: string;
  kind: 'notification' | 'consequence' | 'system';
  on: string[];
  to: string[];
  via: string[];
  /** "after 15m to role:chief", or null. */
  escalate: string | null;
}

/**
 * @example notificationRulesOf(policy).map((rule) => rule.id) // ['after-hours-removal', 'consequence:0', 'system:reminder']
 */
export function notificationRulesOf(
  policy: Pick<PolicyFile, 'notifications' | 'consequences'>,
): ListedRule[] {
  const rules: ListedRule[] = (policy.notifications ?? []).map((rule) => ({
    id: rule.id,
    kind: 'notification',
    on: [...rule.on],
    to: [...rule.to],
    via: [...rule.via],
    escalate: rule.escalate ? `after ${rule.escalate.after} to ${rule.escalate.to.join(', ')}` : null,
  }));
  (policy.consequences ?? []).forEach((consequence, index) => {
    const recipients = consequence.then
      .map(parseAction)
      .flatMap((action) => (action?.kind === 'notify' ? [action.recipient] : []));
    if (recipients.length === 0) return;
    // A consequence's message goes by e-mail and to the console inbox (docs/notifications.md).
    rules.push({
      id: `consequence:${index}`,
      kind: 'consequence',
      on: [consequence.on],
      to: recipients,
      via: ['email', 'in-app'],
      escalate: null,
    });
  });
  rules.push({
    id: 'system:reminder',
    kind: 'system',
    on: ['due-soon'],
    to: ['person'],
    via: ['email', 'sms', 'in-app'],
    escalate: null,
  });
  return rules;
}
