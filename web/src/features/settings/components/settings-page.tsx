/**
 * Settings (administrators): SMTP and SMS (a stored secret is never shown back, only whether it is set and
 * its last characters; leave the field empty to keep it), a test message, webhooks (the signing secret is
 * shown once, when added) and API tokens (the token is shown once, when created).
 */
import { type FormEvent, useState } from 'react';
import type { May } from '../../../lib/permissions';
import { useSiteTimeFormat } from '../../../lib/site-zone';
import { useApiTokens, useCreateApiToken, useRevokeApiToken } from '../api/api-tokens';
import {
  useSaveChannelSettings,
  useSendTestMessage,
  useSmsSettings,
  useSmtpSettings,
} from '../api/channel-settings';
import { useAddWebhook, useRemoveWebhook, useWebhooks } from '../api/webhooks';

const TOKEN_ROLES = ['admin', 'key-manager', 'auditor'];

function fieldsOf(event: FormEvent<HTMLFormElement>) {
  const form = new FormData(event.currentTarget);
  return (name: string) => String(form.get(name) ?? '').trim();
}

function Outcome(props: {
  mutation: { isSuccess: boolean; isError: boolean; error: Error | null };
  done: string;
}) {
  if (props.mutation.isError)
    return (
      <p className="error" role="alert">
        {props.mutation.error?.message}
      </p>
    );
  return props.mutation.isSuccess ? <p role="status">{props.done}</p> : null;
}

function SmtpPanel() {
  const smtp = useSmtpSettings();
  const save = useSaveChannelSettings('smtp');
  if (smtp.isPending) return <p className="empty">Loading…</p>;
  const current = smtp.data ?? null;
  return (
    <section className="panel" aria-labelledby="settings-smtp">
      <h2 id="settings-smtp">E-mail (SMTP)</h2>
      <form
        key={current?.updatedAt ?? 'new'}
        onSubmit={(event) => {
          event.preventDefault();
          const field = fieldsOf(event);
          save.mutate({
            host: field('host'),
            port: Number(field('port')),
            security: field('security'),
            user: field('user') || null,
            from: field('from'),
            ...(field('password') ? { password: field('password') } : {}),
          });
        }}
      >
        <label>
          Host
          <input name="host" defaultValue={current?.host} required />
        </label>
        <label>
          Port
          <input name="port" type="number" defaultValue={current?.port ?? 587} required />
        </label>
        <label>
          Security
          <select name="security" defaultValue={current?.security ?? 'starttls'}>
            <option value="starttls">STARTTLS (587)</option>
            <option value="tls">TLS (465)</option>
            <option value="none">none (a relay on this machine only)</option>
          </select>
        </label>
        <label>
          User
          <input name="user" defaultValue={current?.user ?? ''} autoComplete="off" />
        </label>
        <label>
          Password{' '}
          <span className="muted">
            {current?.password.set
              ? `(set, ends ${current.password.hint}; leave empty to keep it)`
              : '(not set)'}
          </span>
          <input name="password" type="password" autoComplete="new-password" />
        </label>
        <label>
          From address
          <input name="from" type="email" defaultValue={current?.from} required />
        </label>
        <button type="submit" className="primary" disabled={save.isPending}>
          Save SMTP settings
        </button>
      </form>
      <Outcome mutation={save} done="Saved. Messages waiting for these settings are sent now." />
    </section>
  );
}

function SmsPanel() {
  const sms = useSmsSettings();
  const save = useSaveChannelSettings('sms');
  if (sms.isPending) return <p className="empty">Loading…</p>;
  const current = sms.data ?? null;
  return (
    <section className="panel" aria-labelledby="settings-sms">
      <h2 id="settings-sms">SMS</h2>
      <form
        key={current?.updatedAt ?? 'new'}
        onSubmit={(event) => {
          event.preventDefault();
          const field = fieldsOf(event);
          save.mutate({
            baseUrl: field('baseUrl') || undefined,
            accountSid: field('accountSid'),
            from: field('from'),
            ...(field('authToken') ? { authToken: field('authToken') } : {}),
          });
        }}
      >
        <label>
          Provider URL
          <input name="baseUrl" defaultValue={current?.baseUrl ?? 'https://api.twilio.com'} />
        </label>
        <label>
          Account SID
          <input name="accountSid" defaultValue={current?.accountSid} required />
        </label>
        <label>
          Auth token{' '}
          <span className="muted">
            {current?.authToken.set
              ? `(set, ends ${current.authToken.hint}; leave empty to keep it)`
              : '(required)'}
          </span>
          <input name="authToken" type="password" autoComplete="new-password" />
        </label>
        <label>
          From number (E.164)
          <input name="from" defaultValue={current?.from} placeholder="+15551234567" required />
        </label>
        <button type="submit" className="primary" disabled={save.isPending}>
          Save SMS settings
        </button>
      </form>
      <Outcome mutation={save} done="Saved." />
    </section>
  );
}

function TestMessagePanel() {
  const send = useSendTestMessage();
  return (
    <section className="panel" aria-labelledby="settings-test">
      <h2 id="settings-test">Test message</h2>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          send.mutate(fieldsOf(event)('to'));
        }}
      >
        <label>
          E-mail address or phone number
          <input name="to" required placeholder="you@example.org or +15551234567" />
        </label>
        <button type="submit" disabled={send.isPending}>
          Send test
        </button>
      </form>
      {send.data ? (
        <p role="status">
          {send.data.waitingForSettings
            ? `The ${send.data.channel} channel has no settings yet: save them above and the message follows.`
            : send.data.error
              ? `Not delivered yet: ${send.data.error}. It is retried; check the settings.`
              : `Test ${send.data.channel} ${send.data.status}.`}
        </p>
      ) : null}
      {send.isError ? (
        <p className="error" role="alert">
          {send.error.message}
        </p>
      ) : null}
    </section>
  );
}

function WebhooksPanel() {
  const webhooks = useWebhooks();
  const add = useAddWebhook();
  const remove = useRemoveWebhook();
  return (
    <section className="panel" aria-labelledby="settings-webhooks">
      <h2 id="settings-webhooks">Webhooks</h2>
      {webhooks.data && webhooks.data.length > 0 ? (
        <ul>
          {webhooks.data.map((webhook) => (
            <li key={webhook.id}>
              <strong>{webhook.url}</strong> {webhook.description}{' '}
              <span className="muted">
                {webhook.eventTypes.length > 0 ? webhook.eventTypes.join(', ') : 'every event'}; secret ends{' '}
                {webhook.secret.hint}
              </span>{' '}
              <button type="button" onClick={() => remove.mutate(webhook.id)} disabled={remove.isPending}>
                Remove<span className="visually-hidden"> {webhook.url}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">{webhooks.data ? 'No webhooks.' : 'Loading…'}</p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const field = fieldsOf(event);
          const types = field('eventTypes');
          add.mutate({
            url: field('url'),
            description: field('description'),
            eventTypes: types ? types.split(/[\s,]+/).filter(Boolean) : [],
          });
        }}
      >
        <label>
          URL
          <input name="url" type="url" required placeholder="https://hooks.example.org/keywarden" />
        </label>
        <label>
          Description
          <input name="description" />
        </label>
        <label>
          Event types (comma separated; empty: every event)
          <input name="eventTypes" placeholder="overdue, checkout.denied" />
        </label>
        <button type="submit" disabled={add.isPending}>
          Add webhook
        </button>
      </form>
      {add.data ? (
        <p role="status" className="secret-once">
          Signing secret, shown once (store it in the receiving system now): <code>{add.data.secret}</code>
        </p>
      ) : null}
      {add.isError || remove.isError ? (
        <p className="error" role="alert">
          {(add.error ?? remove.error)?.message}
        </p>
      ) : null}
    </section>
  );
}

function ApiTokensPanel() {
  const tokens = useApiTokens();
  const create = useCreateApiToken();
  const revoke = useRevokeApiToken();
  const { when } = useSiteTimeFormat();
  const [roles, setRoles] = useState<string[]>(['auditor']);
  return (
    <section className="panel" aria-labelledby="settings-tokens">
      <h2 id="settings-tokens">API tokens</h2>
      {tokens.data && tokens.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Starts with</th>
              <th>Roles</th>
              <th>Last used</th>
              <th>Revoke</th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>
                  <code>{token.prefix}…</code>
                </td>
                <td>{token.roles.join(', ')}</td>
                <td>{when(token.lastUsedAt)}</td>
                <td>
                  <button type="button" onClick={() => revoke.mutate(token.id)} disabled={revoke.isPending}>
                    Revoke<span className="visually-hidden"> {token.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="empty">{tokens.data ? 'No API tokens.' : 'Loading…'}</p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name: fieldsOf(event)('name'), roles });
        }}
      >
        <label>
          Name (what uses it)
          <input name="name" required placeholder="SIEM export" />
        </label>
        <fieldset>
          <legend>Roles</legend>
          {TOKEN_ROLES.map((role) => (
            <label key={role} className="inline">
              <input
                type="checkbox"
                checked={roles.includes(role)}
                onChange={(event) =>
                  setRoles(event.target.checked ? [...roles, role] : roles.filter((other) => other !== role))
                }
              />{' '}
              {role}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={create.isPending || roles.length === 0}>
          Create token
        </button>
      </form>
      {create.data ? (
        <p role="status" className="secret-once">
          Token, shown once (store it now): <code>{create.data.token}</code>
        </p>
      ) : null}
      {create.isError || revoke.isError ? (
        <p className="error" role="alert">
          {(create.error ?? revoke.error)?.message}
        </p>
      ) : null}
    </section>
  );
}

export function SettingsPage(props: { may: May }) {
  return (
    <div className="section-page">
      {props.may('notifications.manage') ? (
        <>
          <SmtpPanel />
          <SmsPanel />
          <TestMessagePanel />
          <WebhooksPanel />
        </>
      ) : null}
      {props.may('api-tokens.manage') ? <ApiTokensPanel /> : null}
    </div>
  );
}
