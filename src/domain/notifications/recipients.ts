/**
 * Who a rule's `to` names for one event: `person` (the person the event is about), `supervisor` (theirs),
 * `role:<id>` (every active holder), `person:<id>`, `email:<address>`. Inactive and unknown people are
 * skipped with the reason, so the router can record each skip; a person named twice is notified once.
 */
import type { PersonFile } from '../policy/policy-file.js';

export type Recipient =
  | { kind: 'person'; spec: string; person: PersonFile }
  | { kind: 'address'; spec: string; email: string };

export interface RecipientSkip {
  spec: string;
  person?: string;
  reason: string;
}

export interface ResolvedRecipients {
  recipients: Recipient[];
  skipped: RecipientSkip[];
}

/**
 * Resolves recipient specs against the people of the policy (merged with the directory).
 * @example resolveRecipients(['supervisor'], 'p-ruiz', people).recipients[0] // { kind: 'person', spec: 'supervisor', person: { id: 'p-chen', ... } }
 */
export function resolveRecipients(
  specs: readonly string[],
  subject: string | null,
  people: readonly PersonFile[],
): ResolvedRecipients {
  const byId = new Map(people.map((person) => [person.id, person]));
  const recipients: Recipient[] = [];
  const skipped: RecipientSkip[] = [];
  const seen = new Set<string>();

  const addPerson = (spec: string, id: string | null | undefined, missing: string) => {
    if (!id) {
      skipped.push({ spec, reason: missing });
      return;
    }
    const person = byId.get(id);
    if (!person) skipped.push({ spec, person: id, reason: 'not in the directory' });
    else if (person.active === false) skipped.push({ spec, person: id, reason: 'inactive' });
    else if (!seen.has(`person:${id}`)) {
      seen.add(`person:${id}`);
      recipients.push({ kind: 'person', spec, person });
    }
  };

  for (const spec of specs) {
    if (spec === 'person') addPerson(spec, subject, 'the event is about no person');
    else if (spec === 'supervisor') {
      const person = subject ? byId.get(subject) : undefined;
      addPerson(
        spec,
        person?.supervisor,
        subject ? `${subject} has no supervisor` : 'the event is about no person',
      );
    } else if (spec.startsWith('person:')) addPerson(spec, spec.slice('person:'.length), 'no person named');
    else if (spec.startsWith('role:')) {
      const role = spec.slice('role:'.length);
      const holders = people.filter((person) => person.roles.includes(role));
      if (holders.length === 0) skipped.push({ spec, reason: `nobody holds role ${role}` });
      for (const holder of holders) addPerson(spec, holder.id, '');
    } else if (spec.startsWith('email:')) {
      const email = spec.slice('email:'.length).trim();
      if (!email.includes('@')) skipped.push({ spec, reason: 'not an e-mail address' });
      else if (!seen.has(`email:${email.toLowerCase()}`)) {
        seen.add(`email:${email.toLowerCase()}`);
        recipients.push({ kind: 'address', spec, email });
      }
    } else skipped.push({ spec, reason: 'unknown recipient form' });
  }
  return { recipients, skipped };
}

export type Channel = 'email' | 'sms' | 'webhook' | 'in-app';

/**
 * Where a recipient is reached on a channel: an e-mail address, an E.164 phone number, or for in-app the
 * person id; null when they have none (webhooks go to endpoints, not people).
 * @example addressOf({ kind: 'address', spec: 'email:a@b.c', email: 'a@b.c' }, 'sms') // null
 */
export function addressOf(recipient: Recipient, channel: Channel): string | null {
  if (recipient.kind === 'address') return channel === 'email' ? recipient.email : null;
  const person = recipient.person;
  if (channel === 'email') return person.email ?? null;
  if (channel === 'sms') return person.phone ?? null;
  if (channel === 'in-app') return person.id;
  return null;
}
