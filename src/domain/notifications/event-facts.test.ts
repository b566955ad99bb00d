import { describe, expect, it } from 'vitest';
import { compileRiverside } from '../policy/test-policies.js';
import { describeEvent, type RawEvent } from './event-facts.js';

const compiled = compileRiverside();
const policy = compiled.source;
const URL_BASE = 'https://keys.riverside.example';
const event = (type: string, at: string, payload: Record<string, unknown>): RawEvent => ({
  id: 'e-1',
  type,
  at,
  payload,
});

describe('describeEvent', () => {
  it.each([
    [
      'an after-hours checkout',
      event('checkout', '2026-11-26T03:30:00.000Z', {
        person: 'p-ruiz',
        key: 'car-101',
        cabinet: 'central-a',
        afterHours: true,
        approver: 'p-chen',
        witness: 'p-novak',
      }),
      {
        'event.title': 'After-hours checkout',
        'event.summary': 'Dana Ruiz took Patrol car 101 after hours',
        'event.time': 'Wed 25 Nov 2026 21:30',
        'approver.name': 'Marcus Chen',
        'witness.name': 'Ivan Novak',
        'event.link': `${URL_BASE}/console/events/e-1`,
      },
    ],
    [
      'a denial, after hours by the calendar when the payload does not say',
      event('denied', '2026-11-26T03:30:00.000Z', {
        person: 'p-ruiz',
        key: 'armory-main',
        decision: { outcome: 'deny', code: 'no_rule', explanation: 'no rule lets Dana take it' },
      }),
      {
        'event.title': 'After-hours checkout denied',
        'event.hours': 'after hours',
        'decision.code': 'no_rule',
        'decision.explanation': 'no rule lets Dana take it',
        'cabinet.name': 'Evidence wing cabinet',
        'key.sensitivity': 'critical',
      },
    ],
    [
      'a policy change (no key, no place)',
      event('policy-changed', '2026-11-25T16:30:00.000Z', { action: 'approved', version: 3, by: 'p-chen' }),
      {
        'event.summary': 'Policy version 3 approved by Marcus Chen',
        'event.zone': 'UTC',
        'event.hours': '',
        'person.name': '',
        'key.label': '',
      },
    ],
    [
      'a key gone from its slot',
      event('unauthorised-removal', '2026-11-25T16:30:00.000Z', {
        key: 'evidence-1',
        cabinet: 'central-b',
        slot: 2,
      }),
      {
        'event.summary': 'Evidence room 1 left its slot without a checkout',
        'event.hours': 'business hours',
        slot: '2',
      },
    ],
  ])('%s', (_name, raw, expected) => {
    expect(describeEvent(raw, policy, compiled, URL_BASE).values).toMatchObject(expected);
  });

  it('keeps one-time approval links out of the public data, per approver', () => {
    const facts = describeEvent(
      event('approval-requested', '2026-11-26T03:30:00.000Z', {
        person: 'p-haddad',
        key: 'boiler-room',
        approver: 'supervisor',
        links: { 'p-okafor': 'https://x/approve/1', 'p-evil': 42 },
      }),
      policy,
      compiled,
      URL_BASE,
    );
    expect(facts.approveLinks).toEqual({ 'p-okafor': 'https://x/approve/1' });
    expect(facts.publicData).toEqual({ person: 'p-haddad', key: 'boiler-room', approver: 'supervisor' });
    expect(facts.values['approver.name']).toBe('');
    expect(facts).toMatchObject({
      afterHours: true,
      sensitivity: 'normal',
      siteId: 'central',
      groupId: 'facility',
    });
  });
});
