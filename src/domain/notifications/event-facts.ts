/**
 * What a notification says about an event: the event's payload (as the outbox holds it) enriched from the
 * policy and directory into named, display-ready values (who by name and id, which key, where, when in the
 * site's local time and zone, why, with which factors, approved or witnessed by whom). Templates read only
 * these values (see template.ts), so a template can never reach anything else.
 */
import { DateTime } from 'luxon';
import type { CompiledPolicy } from '../policy/compile-policy.js';
import type { PolicyFile } from '../policy/policy-file.js';

/** The facts of one event; each value is text, '' when the event has none. */
export type EventValues = Record<TemplateVariable, string>;

/** The placeholders a template may use, with what each holds. */
export const TEMPLATE_VARIABLES = {
  'event.id': 'the event id',
  'event.type': 'checkout, return, denied, overdue, approval-requested, ...',
  'event.title': 'e.g. "After-hours checkout"',
  'event.summary': 'one line: who did what with which key',
  'event.time': "the event's local time at the key's site, e.g. Wed 25 Nov 2026 21:30",
  'event.zone': 'the IANA zone of that local time, e.g. America/Chicago',
  'event.utc': 'the event time in ISO 8601 UTC',
  'event.hours': '"after hours" or "business hours" at the site',
  'event.link': 'the event in the console',
  'person.id': "the person's id",
  'person.name': "the person's name",
  'key.id': 'the key id',
  'key.label': 'the key label',
  'key.group': "the key group's name",
  'key.sensitivity': 'normal, restricted or critical',
  'cabinet.id': 'the cabinet id',
  'cabinet.name': 'the cabinet name',
  'site.id': 'the site id',
  'site.name': 'the site name',
  slot: 'the slot number',
  'reason.id': 'the reason code',
  'reason.label': 'the reason as the policy words it',
  factors: 'the factors used, e.g. "pin, fingerprint"',
  'approver.id': "the approver's id",
  'approver.name': "the approver's name",
  'witness.id': "the witness's id",
  'witness.name': "the witness's name",
  'due.time': 'when the key is due back, local time',
  'decision.code': 'why a checkout was denied (code)',
  'decision.explanation': 'why a checkout was denied (words)',
  'policy.version': 'the policy version changed',
  'policy.action': 'imported or approved',
  'policy.by': 'who changed the policy',
  'approve.link': "the recipient's one-time approval link (approval requests)",
  'ack.link': "the recipient's one-time acknowledgement link (escalating rules)",
  'escalation.note': 'for an escalation step: that nobody has acknowledged yet',
  'recipient.name': 'who the message is for',
  'rule.id': 'the notification rule',
} as const;
export type TemplateVariable = keyof typeof TEMPLATE_VARIABLES;

/** A raw event as the outbox holds it. */
export interface RawEvent {
  id: string;
  type: string;
  /** ISO 8601 UTC. */
  at: string;
  payload: Record<string, unknown>;
}

/** The event with what rules filter on, resolved against the policy. */
export interface EventFacts {
  event: RawEvent;
  /** The person the event is about (checkout holder, denied person, approval requester), if any. */
  personId: string | null;
  keyId: string | null;
  siteId: string | null;
  groupId: string | null;
  sensitivity: 'normal' | 'restricted' | 'critical' | null;
  /** From the payload when it says; else computed at the key's site; null without a site. */
  afterHours: boolean | null;
  /** Per approver, their one-time approval link (approval-requested events); never sent to others. */
  approveLinks: Record<string, string>;
  values: Omit<EventValues, 'approve.link' | 'ack.link' | 'escalation.note' | 'recipient.name' | 'rule.id'>;
  /** The payload as a webhook may carry it: without one-time links. */
  publicData: Record<string, unknown>;
}

const TITLES: Record<string, string> = {
  checkout: 'Key taken',
  return: 'Key returned',
  denied: 'Checkout denied',
  overdue: 'Key overdue',
  'approval-requested': 'Approval requested',
  'door-open': 'Cabinet door open',
  'cabinet-offline': 'Cabinet offline',
  'policy-changed': 'Policy changed',
  'unauthorised-removal': 'Key removed without a checkout',
  'due-soon': 'Key due back soon',
};

const text = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'string' ? value : String(value);

/**
 * Formats an instant in a zone for people: `Wed 25 Nov 2026 21:30`.
 * @example localTime('2026-11-26T03:30:00.000Z', 'America/Chicago') // 'Wed 25 Nov 2026 21:30'
 */
export function localTime(iso: string, zone: string): string {
  const time = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  return time.isValid ? time.toFormat('ccc d LLL yyyy HH:mm') : iso;
}

/**
 * Resolves an event against the policy (merged with the directory): names, places, local time, filters.
 * @example describeEvent(event, policy, compiled).values['person.name'] // 'Dana Ruiz'
 */
export function describeEvent(
  event: RawEvent,
  policy: PolicyFile,
  compiled: CompiledPolicy,
  consoleBaseUrl: string,
): EventFacts {
  const p = event.payload;
  const personId = text(p.person) || null;
  const keyId = text(p.key) || null;
  const person = personId ? compiled.people.get(personId) : undefined;
  const key = keyId ? compiled.keys.get(keyId) : undefined;
  const cabinetId = text(p.cabinet) || key?.cabinet || '';
  const cabinet = policy.cabinets.find((c) => c.id === cabinetId);
  const site = compiled.sites.get(cabinet?.site ?? '') ?? key?.site;
  const zone = site?.timezone ?? 'UTC';
  const afterHours =
    typeof p.afterHours === 'boolean'
      ? p.afterHours
      : site
        ? site.calendar.timeAt(Date.parse(event.at)).afterHours
        : null;
  const nameOf = (id: unknown) => (id ? (compiled.people.get(text(id))?.name ?? text(id)) : '');
  const reasonId = text(p.reason);
  const decision = (p.decision ?? {}) as Record<string, unknown>;
  const factors = Array.isArray(p.factors) ? p.factors.map(text).join(', ') : '';
  const dueAt = text(p.dueAt);
  // An approval request's `approver` is the rule that asks for one (`supervisor`, `role:<id>`), not a person.
  const approver = event.type === 'approval-requested' ? '' : text(p.approver);
  const policyChange = event.type === 'policy-changed';

  const values = {
    'event.id': event.id,
    'event.type': event.type,
    'event.title': titleOf(event.type, afterHours),
    'event.summary': '',
    'event.time': localTime(event.at, zone),
    'event.zone': zone,
    'event.utc': event.at,
    'event.hours': afterHours === null ? '' : afterHours ? 'after hours' : 'business hours',
    'event.link': `${consoleBaseUrl}/console/events/${encodeURIComponent(event.id)}`,
    'person.id': personId ?? '',
    'person.name': person?.name ?? personId ?? '',
    'key.id': keyId ?? '',
    'key.label': key?.label ?? keyId ?? '',
    'key.group': key?.groupName ?? '',
    'key.sensitivity': key?.sensitivity ?? '',
    'cabinet.id': cabinetId,
    'cabinet.name': cabinet?.name ?? cabinetId,
    'site.id': site?.id ?? '',
    'site.name': site?.name ?? '',
    slot: text(p.slot),
    'reason.id': reasonId,
    'reason.label': reasonId ? (compiled.reasons.get(reasonId) ?? reasonId) : '',
    factors,
    'approver.id': approver,
    'approver.name': nameOf(approver),
    'witness.id': text(p.witness),
    'witness.name': nameOf(p.witness),
    'due.time': dueAt ? `${localTime(dueAt, zone)} (${zone})` : '',
    'decision.code': event.type === 'denied' ? text(decision.code ?? decision.outcome) : '',
    'decision.explanation': event.type === 'denied' ? text(decision.explanation) : '',
    'policy.version': policyChange ? text(p.version) : '',
    'policy.action': policyChange ? text(p.action) : '',
    'policy.by': policyChange ? nameOf(p.by) : '',
  };
  values['event.summary'] = summaryOf(event.type, values, afterHours);

  const { links, ...publicData } = p;
  const approveLinks: Record<string, string> = {};
  if (links && typeof links === 'object') {
    for (const [approver, url] of Object.entries(links as Record<string, unknown>)) {
      if (typeof url === 'string') approveLinks[approver] = url;
    }
  }
  return {
    event,
    personId,
    keyId,
    siteId: site?.id ?? null,
    groupId: key?.group ?? null,
    sensitivity: key?.sensitivity ?? null,
    afterHours,
    approveLinks,
    values,
    publicData,
  };
}

function titleOf(type: string, afterHours: boolean | null): string {
  if (afterHours && type === 'checkout') return 'After-hours checkout';
  if (afterHours && type === 'denied') return 'After-hours checkout denied';
  return TITLES[type] ?? type;
}

function summaryOf(type: string, v: Record<string, string>, afterHours: boolean | null): string {
  const who = v['person.name'] || 'someone';
  const key = v['key.label'] || v['key.id'];
  const when = afterHours ? ' after hours' : '';
  switch (type) {
    case 'checkout':
      return `${who} took ${key}${when}`;
    case 'return':
      return `${who} returned ${key}`;
    case 'denied':
      return `${who} was refused ${key}${when}`;
    case 'overdue':
      return `${key} taken by ${who} is overdue`;
    case 'approval-requested':
      return `${who} asks for approval to take ${key}`;
    case 'due-soon':
      return `${key} is due back at ${v['due.time']}`;
    case 'unauthorised-removal':
      return `${key} left its slot without a checkout`;
    case 'policy-changed':
      return `Policy version ${v['policy.version']} ${v['policy.action']} by ${v['policy.by']}`;
    default:
      return key ? `${TITLES[type] ?? type}: ${key}` : (TITLES[type] ?? type);
  }
}
