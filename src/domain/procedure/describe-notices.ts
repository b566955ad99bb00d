/** Notification rules and consequences of violations in words: who hears of what, by which means. */
import { describeDuration, parseDuration } from '../calendar/duration.js';
import type { ConsequenceFile, NotificationFile } from '../policy/policy-file.js';
import type { NameBook } from './name-book.js';
import { capitalize, countOf, listAnd, listClauses, listOr } from './words.js';

const CHANNEL_NAMES: Record<NotificationFile['via'][number], string> = {
  email: 'e-mail',
  sms: 'SMS',
  webhook: 'a message to connected systems (webhook)',
  'in-app': 'a notice in the Keywarden app',
};

/** `{key}` stands for the kind of key the notification is limited to. */
const EVENT_PHRASES: Record<NotificationFile['on'][number], string> = {
  checkout: '{key} is taken',
  return: '{key} is returned',
  denied: 'someone is refused {key}',
  overdue: '{key} is not returned by its due time',
  'approval-requested': 'an approval is requested for {key}',
  'door-open': 'a cabinet door is held open',
  'cabinet-offline': 'a cabinet goes offline',
  'policy-changed': 'the policy is changed',
};

/**
 * A recipient as the policy writes it (`supervisor`, `role:<id>`, ...) in words.
 * @example describeRecipient(book, 'person:p-okafor') // 'Grace Okafor'
 */
export function describeRecipient(book: NameBook, recipient: string): string {
  if (recipient === 'person') return 'the person concerned';
  if (recipient === 'supervisor') return "the person's supervisor";
  const colon = recipient.indexOf(':');
  const kind = recipient.slice(0, colon);
  const value = recipient.slice(colon + 1);
  if (kind === 'role') return `everyone with the role ${book.roleName(value)}`;
  if (kind === 'person') return book.personName(value);
  if (kind === 'email') return value;
  return recipient;
}

/** "X is notified" or "X and Y are notified". */
function notified(book: NameBook, recipients: readonly string[]): string {
  const names = recipients.map((recipient) => describeRecipient(book, recipient));
  return `${listAnd(names)} ${names.length === 1 ? 'is' : 'are'} notified`;
}

/**
 * One notification rule as a sentence.
 * @example describeNotification(book, { id: 'n', on: ['checkout'], when: { afterHours: true }, to: ['supervisor'], via: ['email', 'sms'] }) // "When a key is taken after hours, the person's supervisor is notified by e-mail and SMS."
 */
export function describeNotification(book: NameBook, notification: NotificationFile): string {
  const when = notification.when ?? {};
  const sensitivity = when.sensitivity ? `${listOr(when.sensitivity)} ` : '';
  const groups = when.groups ? ` of ${listOr(when.groups.map((id) => book.groupName(id)))}` : '';
  const key = `a ${sensitivity}key${groups}`;
  const sites = when.sites
    ? ` at ${listOr(when.sites.map((id) => book.policy.sites.find((site) => site.id === id)?.name ?? id))}`
    : '';
  const time =
    when.afterHours === true ? ' after hours' : when.afterHours === false ? ' during business hours' : '';
  const events = listOr(notification.on.map((event) => EVENT_PHRASES[event].replace('{key}', key)));
  const channels = listAnd(notification.via.map((channel) => CHANNEL_NAMES[channel]));
  let sentence = `When ${events}${sites}${time}, ${notified(book, notification.to)} by ${channels}.`;
  if (notification.escalate) {
    const after = parseDuration(notification.escalate.after);
    const wait = after === null ? notification.escalate.after : describeDuration(after);
    sentence += ` If no one acknowledges within ${wait}, ${notified(book, notification.escalate.to)}.`;
  }
  return sentence;
}

/** What one `then` action does, in words. */
function describeAction(book: NameBook, action: string): string {
  if (action === 'incident') return 'an incident is opened for a manager to document and close';
  if (action.startsWith('notify:')) return notified(book, [action.slice('notify:'.length)]);
  if (action.startsWith('lock:')) {
    const ms = parseDuration(action.slice('lock:'.length));
    const time = ms === null ? action.slice('lock:'.length) : describeDuration(ms);
    return `the person is locked out of all cabinets for ${time}`;
  }
  return action;
}

const CONSEQUENCE_EVENTS: Record<ConsequenceFile['on'], { one: string; counted: string }> = {
  denied: { one: 'Each denied attempt', counted: 'denied attempt' },
  overdue: { one: 'A key not returned by its due time', counted: 'overdue key' },
  'unauthorised-removal': {
    one: 'A key removed from a cabinet without being checked out (unauthorised removal)',
    counted: 'unauthorised removal',
  },
};

/**
 * One consequence as a sentence: the trigger, then what follows.
 * @example describeConsequence(book, { on: 'denied', count: 3, within: '10m', then: ['lock:30m'] }) // '3 denied attempts within 10 minutes by the same person: the person is locked out of all cabinets for 30 minutes.'
 */
export function describeConsequence(book: NameBook, consequence: ConsequenceFile): string {
  const event = CONSEQUENCE_EVENTS[consequence.on];
  const within = consequence.within ? parseDuration(consequence.within) : null;
  const after = consequence.after ? parseDuration(consequence.after) : null;
  let trigger =
    consequence.count !== undefined && within !== null
      ? `${countOf(consequence.count, event.counted)} within ${describeDuration(within)} by the same person`
      : event.one;
  if (consequence.on === 'overdue' && after !== null) {
    trigger =
      consequence.count !== undefined && within !== null
        ? `${trigger} (each still out ${describeDuration(after)} after its due time)`
        : `A key still not returned ${describeDuration(after)} after its due time`;
  }
  return `${capitalize(trigger)}: ${listClauses(consequence.then.map((action) => describeAction(book, action)))}.`;
}
