import { describe, expect, it } from 'vitest';
import type { NotificationFile, PersonFile } from '../policy/policy-file.js';
import { consequencesOn, countReached, parseAction } from './consequences.js';
import { localTime } from './event-facts.js';
import { ruleMatches } from './match-rules.js';
import { addressOf, resolveRecipients } from './recipients.js';
import { escapeHtml, fill, renderTemplate, unknownPlaceholders } from './template.js';

const rule = (
  when?: NotificationFile['when'],
  on: NotificationFile['on'] = ['checkout'],
): NotificationFile => ({
  id: 'r',
  on,
  ...(when ? { when } : {}),
  to: ['supervisor'],
  via: ['email'],
});
const facts = {
  type: 'checkout',
  afterHours: true,
  sensitivity: 'restricted',
  siteId: 'central',
  groupId: 'patrol-cars',
};

describe('ruleMatches', () => {
  it.each([
    ['no filter', rule(), facts, true],
    ['another event type', rule(undefined, ['return']), facts, false],
    ['after hours wanted, after hours', rule({ afterHours: true }), facts, true],
    [
      'after hours wanted, business hours',
      rule({ afterHours: true }),
      { ...facts, afterHours: false },
      false,
    ],
    ['business hours wanted, after hours', rule({ afterHours: false }), facts, false],
    [
      'after hours wanted, no site to tell',
      rule({ afterHours: true }),
      { ...facts, afterHours: null },
      false,
    ],
    ['sensitivity listed', rule({ sensitivity: ['restricted', 'critical'] }), facts, true],
    ['sensitivity not listed', rule({ sensitivity: ['critical'] }), facts, false],
    [
      'sensitivity wanted, no key',
      rule({ sensitivity: ['critical'] }),
      { ...facts, sensitivity: null },
      false,
    ],
    ['site listed', rule({ sites: ['central'] }), facts, true],
    ['site not listed', rule({ sites: ['north'] }), facts, false],
    ['group listed', rule({ groups: ['patrol-cars'] }), facts, true],
    ['group not listed', rule({ groups: ['armory'] }), facts, false],
    [
      'all filters hold',
      rule({ afterHours: true, sensitivity: ['restricted'], sites: ['central'], groups: ['patrol-cars'] }),
      facts,
      true,
    ],
    ['one of several fails', rule({ afterHours: true, sites: ['north'] }), facts, false],
  ] as const)('%s', (_name, r, f, expected) => {
    expect(ruleMatches(r as NotificationFile, f)).toBe(expected);
  });
});

const people: PersonFile[] = [
  {
    id: 'p-okafor',
    name: 'Grace Okafor',
    roles: ['watch-commander'],
    email: 'g@x.example',
    phone: '+15125550100',
  },
  { id: 'p-chen', name: 'Marcus Chen', roles: ['sergeant'], supervisor: 'p-okafor', email: 'm@x.example' },
  { id: 'p-ruiz', name: 'Dana Ruiz', roles: ['officer'], supervisor: 'p-chen' },
  {
    id: 'p-lee',
    name: 'Ana Lee',
    roles: ['officer', 'watch-commander'],
    supervisor: 'p-gone',
    active: false,
  },
];

describe('resolveRecipients', () => {
  const ids = (specs: string[], subject: string | null) =>
    resolveRecipients(specs, subject, people).recipients.map((r) =>
      r.kind === 'person' ? r.person.id : `email:${r.email}`,
    );
  it.each([
    [['person'], 'p-ruiz', ['p-ruiz']],
    [['supervisor'], 'p-ruiz', ['p-chen']],
    [['supervisor', 'person:p-chen'], 'p-ruiz', ['p-chen']],
    [['role:watch-commander'], 'p-ruiz', ['p-okafor']],
    [['person:p-okafor', 'email:desk@x.example'], null, ['p-okafor', 'email:desk@x.example']],
    [['email:desk@x.example', 'email:DESK@x.example'], null, ['email:desk@x.example']],
    [['person', 'supervisor'], null, []],
    [['supervisor'], 'p-okafor', []],
    [['person:p-lee'], null, []],
  ])('%j about %s -> %j', (specs, subject, expected) => {
    expect(ids(specs, subject)).toEqual(expected);
  });

  it('says why each recipient was skipped', () => {
    const { skipped } = resolveRecipients(
      ['supervisor', 'person:p-lee', 'person:p-nobody', 'role:chief', 'email:nope', 'boss'],
      'p-okafor',
      people,
    );
    expect(skipped).toEqual([
      { spec: 'supervisor', reason: 'p-okafor has no supervisor' },
      { spec: 'person:p-lee', person: 'p-lee', reason: 'inactive' },
      { spec: 'person:p-nobody', person: 'p-nobody', reason: 'not in the directory' },
      { spec: 'role:chief', reason: 'nobody holds role chief' },
      { spec: 'email:nope', reason: 'not an e-mail address' },
      { spec: 'boss', reason: 'unknown recipient form' },
    ]);
  });

  it.each([
    ['email', 'g@x.example'],
    ['sms', '+15125550100'],
    ['in-app', 'p-okafor'],
    ['webhook', null],
  ] as const)('reaches a person on %s at %s', (channel, address) => {
    expect(addressOf({ kind: 'person', spec: 'person', person: people[0] as PersonFile }, channel)).toBe(
      address,
    );
  });

  it('reaches a bare address by e-mail only', () => {
    const recipient = { kind: 'address', spec: 'email:a@b.example', email: 'a@b.example' } as const;
    expect(['email', 'sms', 'in-app'].map((c) => addressOf(recipient, c as 'email'))).toEqual([
      'a@b.example',
      null,
      null,
    ]);
  });
});

describe('templates', () => {
  it.each([
    ['Who: {{person.name}}', { 'person.name': 'Dana' }, 'Who: Dana'],
    ['Who: {{ person.name }}', { 'person.name': 'Dana' }, 'Who: Dana'],
    ['a\nWhy: {{reason.label}}\nb', {}, 'a\nb'],
    ['By {{approver.name}} or {{witness.name}}', { 'witness.name': 'Sam' }, 'By  or Sam'],
    ['no placeholders stay\n\nempty lines too', {}, 'no placeholders stay\n\nempty lines too'],
  ])('fills %j', (template, values, expected) => {
    expect(fill(template, values, false)).toBe(expected);
  });

  it('escapes every value in HTML, and only there', () => {
    const values = { 'person.name': '<script>alert("x")</script> & Co' };
    expect(fill('<p>{{person.name}}</p>', values, true)).toBe(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</p>',
    );
    expect(fill('{{person.name}}', values, false)).toBe(values['person.name']);
    expect(escapeHtml("'")).toBe('&#39;');
  });

  it('keeps the subject on one line', () => {
    const rendered = renderTemplate(
      { subject: '{{event.title}}\n{{person.name}}', text: 'x', html: null },
      { 'event.title': 'Key taken', 'person.name': 'Dana' },
    );
    expect(rendered.subject).toBe('Key taken Dana');
  });

  it.each([
    ['{{person.name}} {{key.label}}', []],
    ['{{person.password}}', ['person.password']],
    ['{{constructor}}', ['constructor']],
    ['{{#each people}}', ['{{#each people}}']],
    ['{{ person.name', ['{{ person.name']],
  ])('names unknown placeholders in %j', (template, unknown) => {
    expect(unknownPlaceholders(template)).toEqual(unknown);
  });
});

describe('consequences', () => {
  it.each([
    ['incident', { kind: 'incident' }],
    ['lock:30m', { kind: 'lock', ms: 1_800_000, text: '30m' }],
    ['lock:1h30m', { kind: 'lock', ms: 5_400_000, text: '1h30m' }],
    ['notify:supervisor', { kind: 'notify', recipient: 'supervisor' }],
    ['notify:role:watch-commander', { kind: 'notify', recipient: 'role:watch-commander' }],
    ['lock:soon', null],
    ['notify:', null],
    ['explode', null],
  ])('reads %s', (item, expected) => {
    expect(parseAction(item)).toEqual(expected);
  });

  it('picks the consequences of one event kind, with their positions', () => {
    const list = consequencesOn(
      [
        // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
        { on: 'denied', count: 3, within: '10m', then: ['notify:supervisor', 'lock:30m'] },
        // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
        { on: 'overdue', after: '2h', then: ['incident'] },
        // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
        { on: 'overdue', then: ['notify:person'] },
      ],
      'overdue',
    );
    expect(list.map((c) => [c.index, c.afterMs, c.actions.length])).toEqual([
      [1, 7_200_000, 1],
      [2, 0, 1],
    ]);
  });

  it.each([
    [2, false, false],
    [3, false, true],
    [4, false, true],
    [4, true, false],
  ])('with count 3: %i in the window, fired before %s -> %s', (events, fired, expected) => {
    expect(countReached({ count: 3 }, events, fired)).toBe(expected);
  });
});

describe('localTime', () => {
  it.each([
    ['2026-11-26T03:30:00.000Z', 'America/Chicago', 'Wed 25 Nov 2026 21:30'],
    ['2026-07-01T03:30:00.000Z', 'America/Chicago', 'Tue 30 Jun 2026 22:30'],
    ['2026-03-29T01:30:00.000Z', 'Europe/Berlin', 'Sun 29 Mar 2026 03:30'],
  ])('%s in %s is %s', (iso, zone, expected) => {
    expect(localTime(iso, zone)).toBe(expected);
  });
});
