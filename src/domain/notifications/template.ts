/**
 * The message template language, kept tiny on purpose: `{{name}}` placeholders from a fixed list
 * (TEMPLATE_VARIABLES), nothing else: no expressions, loops or includes, so a template edited in the
 * console can reach no data but the event's own facts. In HTML every value is escaped. A line whose
 * placeholders are all empty is left out, which is how one template serves events with and without a
 * reason, an approver, a witness.
 */
import { TEMPLATE_VARIABLES, type TemplateVariable } from './event-facts.js';

export interface MessageTemplate {
  subject: string;
  text: string;
  /** Absent: the e-mail goes as text only. */
  html: string | null;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string | null;
}

const PLACEHOLDER = /\{\{\s*([a-z.]+)\s*\}\}/g;

/** Placeholders a template uses that are not in TEMPLATE_VARIABLES. */
export function unknownPlaceholders(template: string): string[] {
  const unknown = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] as string;
    if (!Object.hasOwn(TEMPLATE_VARIABLES, name)) unknown.add(name);
  }
  // A `{{` that is not a well-formed placeholder is a mistake the author should hear about too.
  const stray = template.replace(PLACEHOLDER, '').match(/\{\{[^}]*\}?\}?/g);
  for (const bad of stray ?? []) unknown.add(bad);
  return [...unknown];
}

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Fills one template text; `html` escapes every value.
 * @example fill('Who: {{person.name}}\nWhy: {{reason.label}}', { 'person.name': 'Dana' }, false) // 'Who: Dana'
 */
export function fill(
  template: string,
  values: Partial<Record<TemplateVariable, string>>,
  html: boolean,
): string {
  const lines: string[] = [];
  for (const line of template.split('\n')) {
    let placeholders = 0;
    let filled = 0;
    const out = line.replace(PLACEHOLDER, (_whole, name: string) => {
      placeholders += 1;
      // Own properties only: `{{constructor}}` must not reach the object's prototype.
      const value = Object.hasOwn(values, name) ? (values[name as TemplateVariable] ?? '') : '';
      if (value !== '') filled += 1;
      return html ? escapeHtml(value) : value;
    });
    if (placeholders > 0 && filled === 0) continue;
    lines.push(out);
  }
  return lines.join('\n');
}

/** Renders a template with an event's values; the subject is one line. */
export function renderTemplate(
  template: MessageTemplate,
  values: Partial<Record<TemplateVariable, string>>,
): RenderedMessage {
  return {
    subject: fill(template.subject, values, false).replace(/\s+/g, ' ').trim(),
    text: fill(template.text, values, false),
    html: template.html === null ? null : fill(template.html, values, true),
  };
}

const DETAIL_LINES: [label: string, value: string][] = [
  ['Who', '{{person.name}} ({{person.id}})'],
  ['Key', '{{key.label}} ({{key.id}}, {{key.group}}, {{key.sensitivity}})'],
  ['Where', '{{cabinet.name}} ({{cabinet.id}}), slot {{slot}}, {{site.name}}'],
  ['When', '{{event.time}} ({{event.zone}}), {{event.hours}}'],
  ['Why', '{{reason.label}} ({{reason.id}})'],
  ['Factors', '{{factors}}'],
  ['Approved by', '{{approver.name}} ({{approver.id}})'],
  ['Witnessed by', '{{witness.name}} ({{witness.id}})'],
  ['Due back', '{{due.time}}'],
  ['Decision', '{{decision.explanation}}'],
  ['Policy', 'version {{policy.version}} {{policy.action}} by {{policy.by}}'],
];

const DEFAULT_EMAIL: MessageTemplate = {
  subject: 'Keywarden: {{event.title}}: {{event.summary}}',
  text: [
    '{{escalation.note}}',
    '{{event.summary}}.',
    '',
    ...DETAIL_LINES.map(([label, value]) => `${label}: ${value}`),
    '',
    'Approve or deny: {{approve.link}}',
    'Acknowledge: {{ack.link}}',
    'In the console: {{event.link}}',
  ].join('\n'),
  html: [
    '<!doctype html><html><body style="font-family:sans-serif">',
    '<p><strong>{{escalation.note}}</strong></p>',
    '<p>{{event.summary}}.</p>',
    '<table>',
    ...DETAIL_LINES.map(([label, value]) => `<tr><th align="left">${label}</th><td>${value}</td></tr>`),
    '</table>',
    '<p><a href="{{approve.link}}">Approve or deny</a></p>',
    '<p><a href="{{ack.link}}">Acknowledge</a></p>',
    '<p><a href="{{event.link}}">Open in the console</a></p>',
    '</body></html>',
  ].join('\n'),
};

// SMS: short, the essentials only.
const DEFAULT_SMS: MessageTemplate = {
  subject: '{{event.title}}',
  text: [
    'Keywarden: {{event.summary}}, {{event.time}} {{event.zone}}',
    'Why: {{reason.label}}',
    'Approve: {{approve.link}}',
    'Ack: {{ack.link}}',
  ].join('\n'),
  html: null,
};

const DEFAULT_IN_APP: MessageTemplate = {
  subject: '{{event.title}}: {{event.summary}}',
  text: DEFAULT_EMAIL.text,
  html: null,
};

/**
 * The built-in template of a channel, used when none was edited for the rule.
 * @example defaultTemplate('sms').html // null
 */
export function defaultTemplate(channel: string): MessageTemplate {
  if (channel === 'sms') return DEFAULT_SMS;
  if (channel === 'in-app' || channel === 'webhook') return DEFAULT_IN_APP;
  return DEFAULT_EMAIL;
}
