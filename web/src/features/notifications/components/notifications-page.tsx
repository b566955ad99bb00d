/**
 * Notifications: the signed-in person's inbox (live), with read and acknowledge; message templates per rule
 * and channel (read and preview; edit for administrators); the delivery log with filters and dead letters
 * with retry (administrators and auditors read it; administrators retry).
 */
import { type FormEvent, useState } from 'react';
import type { May } from '../../../lib/permissions';
import { useSiteTimeFormat } from '../../../lib/site-zone';
import { useInbox } from '../api/get-inbox';
import { type MessageFilters, useMessages } from '../api/get-messages';
import { useRules } from '../api/get-rules';
import { useAcknowledgeEvent, useMarkRead } from '../api/inbox-actions';
import { useRetryMessage } from '../api/retry-message';
import { usePreviewTemplate, useSaveTemplate, useTemplate } from '../api/templates';

const CHANNELS = ['email', 'sms', 'webhook', 'in-app'] as const;

function InboxPanel(props: { may: May }) {
  const inbox = useInbox();
  const markRead = useMarkRead();
  const acknowledge = useAcknowledgeEvent();
  const { when, zone } = useSiteTimeFormat();
  return (
    <section className="panel" aria-labelledby="notifications-inbox">
      <h2 id="notifications-inbox">My inbox {inbox.data ? `(${inbox.data.unread} unread)` : ''}</h2>
      <p className="muted">New messages appear here as they arrive. Times in {zone}.</p>
      {inbox.isError ? (
        <p className="error" role="alert">
          {inbox.error.message} Reload the page to try again.
        </p>
      ) : !inbox.data ? (
        <p className="empty">Loading…</p>
      ) : inbox.data.messages.length === 0 ? (
        <p className="empty">No messages for you.</p>
      ) : (
        <ul className="inbox">
          {inbox.data.messages.map((message) => (
            <li key={message.id} className={message.readAt ? 'read' : 'unread'}>
              <strong>{message.subject}</strong> <span className="muted">{when(message.createdAt)}</span>
              <p>{message.text}</p>
              <div className="button-row">
                {!message.readAt ? (
                  <button type="button" onClick={() => markRead.mutate(message.id)}>
                    Mark read
                  </button>
                ) : null}
                {message.event && props.may('notifications.acknowledge') ? (
                  <button type="button" onClick={() => acknowledge.mutate(message.event as string)}>
                    Acknowledge
                  </button>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}
      {acknowledge.isSuccess ? (
        <p role="status">
          {acknowledge.data.already
            ? `Already acknowledged by ${acknowledge.data.acknowledgedBy}.`
            : 'Acknowledged: its escalation stops.'}
        </p>
      ) : null}
      {acknowledge.isError || markRead.isError ? (
        <p className="error" role="alert">
          {(acknowledge.error ?? markRead.error)?.message}
        </p>
      ) : null}
    </section>
  );
}

function TemplatesPanel(props: { may: May }) {
  const rules = useRules();
  const [target, setTarget] = useState<{ rule: string; channel: string } | null>(null);
  const template = useTemplate(target);
  const save = useSaveTemplate();
  const preview = usePreviewTemplate();
  const [draft, setDraft] = useState<{ subject: string; text: string } | null>(null);
  const current =
    draft ?? (template.data ? { subject: template.data.subject, text: template.data.text } : null);
  const editable = props.may('notifications.templates.edit');
  const choose = (rule: string, channel: string) => {
    setDraft(null);
    preview.reset();
    save.reset();
    setTarget({ rule, channel });
  };
  return (
    <section className="panel" aria-labelledby="notifications-templates">
      <h2 id="notifications-templates">Rules and their templates</h2>
      {rules.isError ? (
        <p className="error" role="alert">
          {rules.error.message} Reload the page to try again.
        </p>
      ) : !rules.data ? (
        <p className="empty">Loading…</p>
      ) : rules.data.rules.length === 0 ? (
        <p className="empty">No policy is active, so no rule writes messages yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Rule</th>
              <th>On</th>
              <th>To</th>
              <th>Template</th>
            </tr>
          </thead>
          <tbody>
            {rules.data.rules.map((rule) => (
              <tr key={rule.id}>
                <td>
                  <code>{rule.id}</code>
                </td>
                <td>{rule.on.join(', ')}</td>
                <td>
                  {rule.to.join(', ')}
                  {rule.escalate ? <span className="muted"> (escalates {rule.escalate})</span> : null}
                </td>
                <td>
                  {rule.via.map((channel) => (
                    <button
                      key={channel}
                      type="button"
                      aria-pressed={target?.rule === rule.id && target.channel === channel}
                      onClick={() => choose(rule.id, channel)}
                    >
                      {channel}
                      <span className="visually-hidden"> template of {rule.id}</span>
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {template.isError ? (
        <p className="error" role="alert">
          {template.error.message} Choose another rule or channel.
        </p>
      ) : null}
      {target && current ? (
        <form
          aria-label={`Template of ${target.rule} by ${target.channel}`}
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate({ target, draft: current });
          }}
        >
          <p className="muted">
            {template.data?.custom ? `Edited by ${template.data.updatedBy}.` : 'The built-in default.'}
          </p>
          <label>
            Subject
            <input
              value={current.subject}
              readOnly={!editable}
              onChange={(event) => setDraft({ ...current, subject: event.target.value })}
            />
          </label>
          <label>
            Text
            <textarea
              value={current.text}
              readOnly={!editable}
              rows={6}
              onChange={(event) => setDraft({ ...current, text: event.target.value })}
            />
          </label>
          <div className="button-row">
            <button type="button" onClick={() => preview.mutate({ target, draft: current })}>
              Preview
            </button>
            {editable ? (
              <button type="submit" className="primary" disabled={save.isPending}>
                Save template
              </button>
            ) : null}
          </div>
          {save.isSuccess ? <p role="status">Saved. New messages of this rule use it.</p> : null}
          {save.isError || preview.isError ? (
            <p className="error" role="alert">
              {(save.error ?? preview.error)?.message}
            </p>
          ) : null}
          {preview.data ? (
            <div className="preview">
              <strong>{preview.data.subject}</strong>
              <pre>{preview.data.text}</pre>
            </div>
          ) : null}
        </form>
      ) : null}
    </section>
  );
}

function DeliveryLog(props: { may: May }) {
  const [filters, setFilters] = useState<MessageFilters>({});
  const messages = useMessages(filters, true);
  const retry = useRetryMessage();
  const { when, zone } = useSiteTimeFormat();
  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    setFilters({ status: text('status'), channel: text('channel'), eventType: text('eventType') });
  };
  return (
    <section className="panel" aria-labelledby="notifications-log">
      <h2 id="notifications-log">Delivery log</h2>
      <form className="filters" onSubmit={apply} aria-label="Filter the delivery log">
        <label>
          Status
          <select name="status" defaultValue="">
            <option value="">any</option>
            <option value="dead">dead letters</option>
            <option value="pending">pending</option>
            <option value="sending">sending</option>
            <option value="sent">sent</option>
          </select>
        </label>
        <label>
          Channel
          <select name="channel" defaultValue="">
            <option value="">any</option>
            {CHANNELS.map((channel) => (
              <option key={channel}>{channel}</option>
            ))}
          </select>
        </label>
        <label>
          Event type
          <input name="eventType" placeholder="overdue" />
        </label>
        <button type="submit">Apply filters</button>
      </form>
      <p className="muted">Newest first. Times in {zone}.</p>
      {messages.isError ? (
        <p className="error" role="alert">
          {messages.error.message} Check the filters and try again.
        </p>
      ) : !messages.data ? (
        <p className="empty">Loading…</p>
      ) : messages.data.messages.length === 0 ? (
        <p className="empty">No message matches these filters.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Created</th>
              <th>Event</th>
              <th>Channel</th>
              <th>To</th>
              <th>Subject</th>
              <th>Status</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {messages.data.messages.map((message) => (
              <tr key={message.id}>
                <td>{when(message.createdAt)}</td>
                <td>{message.eventType}</td>
                <td>{message.channel}</td>
                <td>{message.address}</td>
                <td>{message.subject}</td>
                <td>
                  <span className={`status status-${message.status}`}>{message.status}</span> (
                  {message.attempts})
                  {message.status === 'dead' && props.may('notifications.manage') ? (
                    <button type="button" onClick={() => retry.mutate(message.id)} disabled={retry.isPending}>
                      Retry<span className="visually-hidden"> message to {message.address}</span>
                    </button>
                  ) : null}
                </td>
                <td>{message.lastError ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {retry.isError ? (
        <p className="error" role="alert">
          {retry.error.message}
        </p>
      ) : null}
    </section>
  );
}

/** Opened from a message's link (/console/events/<event>): acknowledging stops the event's escalation. */
function EventPanel(props: { event: string; may: May }) {
  const acknowledge = useAcknowledgeEvent();
  return (
    <section className="panel" aria-labelledby="notifications-event">
      <h2 id="notifications-event">The event you were sent</h2>
      {props.may('notifications.acknowledge') ? (
        <>
          <p>Acknowledge it to say you are handling it: its escalation to others stops.</p>
          <button
            type="button"
            className="primary"
            onClick={() => acknowledge.mutate(props.event)}
            disabled={acknowledge.isPending || acknowledge.isSuccess}
          >
            Acknowledge event
          </button>
        </>
      ) : (
        <p>Your role reads events but does not acknowledge them.</p>
      )}
      {acknowledge.isSuccess ? (
        <p role="status">
          {acknowledge.data.already
            ? `Already acknowledged by ${acknowledge.data.acknowledgedBy}.`
            : 'Acknowledged: its escalation stops.'}
        </p>
      ) : null}
      {acknowledge.isError ? (
        <p className="error" role="alert">
          {acknowledge.error.message} Check the link in the message, or find the event in your inbox below.
        </p>
      ) : null}
    </section>
  );
}

export function NotificationsPage(props: { may: May; event?: string }) {
  const readsLog = props.may('notifications.read');
  return (
    <div className="section-page">
      {props.event ? <EventPanel event={props.event} may={props.may} /> : null}
      <InboxPanel may={props.may} />
      {props.may('notifications.templates.read') ? <TemplatesPanel may={props.may} /> : null}
      {readsLog ? <DeliveryLog may={props.may} /> : null}
    </div>
  );
}
