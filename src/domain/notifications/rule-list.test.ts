import { describe, expect, it } from 'vitest';
import type { PolicyFile } from '../policy/policy-file.js';
import { notificationRulesOf } from './rule-list.js';

describe('notificationRulesOf', () => {
  it('lists notification rules, notifying consequences by index, and the reminder', () => {
    const policy = {
      notifications: [
        {
          id: 'after-hours-removal',
          on: ['checkout'],
          to: ['supervisor'],
          via: ['email', 'sms'],
          escalate: { after: '15m', to: ['role:chief'] },
        },
      ],
      consequences: [
        // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
        { on: 'overdue', after: '2h', then: ['incident'] },
        // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
        { on: 'denied', count: 3, within: '10m', then: ['notify:supervisor', 'lock:30m'] },
      ],
    } as unknown as Pick<PolicyFile, 'notifications' | 'consequences'>;
    expect(notificationRulesOf(policy)).toEqual([
      {
        id: 'after-hours-removal',
        kind: 'notification',
        on: ['checkout'],
        to: ['supervisor'],
        via: ['email', 'sms'],
        escalate: 'after 15m to role:chief',
      },
      {
        id: 'consequence:1',
        kind: 'consequence',
        on: ['denied'],
        to: ['supervisor'],
        via: ['email', 'in-app'],
        escalate: null,
      },
      {
        id: 'system:reminder',
        kind: 'system',
        on: ['due-soon'],
        to: ['person'],
        via: ['email', 'sms', 'in-app'],
        escalate: null,
      },
    ]);
  });
});
