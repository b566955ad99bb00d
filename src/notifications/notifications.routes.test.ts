/**
 * The notification endpoints through the real server on both dialects: settings whose secrets never come
 * back (nor reach the audit log), webhook secrets shown once, the test message reaching an in-process SMTP
 * server, the delivery log and an admin's retry of a dead letter, and each person's own inbox with its live
 * Server-Sent Events stream.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleSession } from '../console/console-sessions.service.js';
import { grantConsoleRole } from '../console/console-users.service.js';
import {
  auditText,
  type CredentialTestBed,
  createCredentialTestBed,
} from '../credentials/credentials.testing.js';
import { buildServer } from '../http/server.js';
import { testDialects } from '../store/test-databases.js';
import { NotificationSender } from './notification-sender.js';
import {
  insertMessage,
  startHttpReceiver,
  startSmtpServer,
  type TestHttpReceiver,
  type TestSmtpServer,
} from './notifications.testing.js';

const SMTP_PASSWORD = 'relay-password-Hq4-secret';
const SMS_TOKEN = 'twilio-token-Wm9-secret';

for (const dialect of await testDialects()) {
  describe(`notification endpoints on ${dialect}`, () => {
    let bed: CredentialTestBed;
    let app: FastifyInstance;
    let smtp: TestSmtpServer;
    let http: TestHttpReceiver;
    let sender: NotificationSender;
    const sessions: Record<string, { cookie: string; 'x-csrf-token': string }> = {};

    const call = (
      person: string,
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
    ) =>
      app.inject({
        method,
        url,
        headers: sessions[person],
        ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
      });

    beforeAll(async () => {
      bed = await createCredentialTestBed(dialect);
      smtp = await startSmtpServer({ user: 'relay', password: SMTP_PASSWORD });
      http = await startHttpReceiver();
      await bed.db.transaction().execute(async (trx) => {
        await grantConsoleRole(trx, bed.context, 'p-okafor', 'admin', { by: 'cli' });
        await grantConsoleRole(trx, bed.context, 'p-haddad', 'auditor', { by: 'cli' });
        await grantConsoleRole(trx, bed.context, 'p-chen', 'supervisor', { by: 'cli' });
      });
      for (const person of ['p-okafor', 'p-haddad', 'p-chen']) {
        const opened = await startConsoleSession(bed.db, person, bed.clock.now());
        sessions[person] = { cookie: `kw_session=${opened.token}`, 'x-csrf-token': opened.csrfToken };
      }
      sender = new NotificationSender(bed.db, bed.context, { random: () => 0.5 });
      app = await buildServer({
        store: bed.database.store,
        now: bed.context.now,
        console: bed.context,
        notifications: bed.context,
      });
      await app.ready();
    });

    afterAll(async () => {
      await app.close();
      await smtp.close();
      await http.close();
      await bed.drop();
    });

    it('stores SMTP and SMS settings and shows only the last four characters of their secrets', async () => {
      expect((await call('p-okafor', 'GET', '/api/v1/notifications/settings/smtp')).json()).toEqual({
        smtp: null,
      });
      const put = await call('p-okafor', 'PUT', '/api/v1/notifications/settings/smtp', {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'none',
        user: 'relay',
        password: SMTP_PASSWORD,
        from: 'keys@riverside.example',
      });
      expect(put.statusCode).toBe(200);
      expect(put.json().smtp).toMatchObject({
        host: '127.0.0.1',
        security: 'none',
        user: 'relay',
        password: { set: true, hint: '…cret' },
        updatedBy: 'p-okafor',
      });
      const sms = await call('p-okafor', 'PUT', '/api/v1/notifications/settings/sms', {
        baseUrl: http.url,
        accountSid: 'AC99',
        authToken: SMS_TOKEN,
        from: '+15550002222',
      });
      expect(sms.statusCode).toBe(200);
      expect(sms.json().sms).toMatchObject({ accountSid: 'AC99', authToken: { set: true, hint: '…cret' } });

      // Changing the sender address keeps the stored password.
      const again = await call('p-okafor', 'PUT', '/api/v1/notifications/settings/smtp', {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'none',
        user: 'relay',
        from: 'keywarden@riverside.example',
      });
      expect(again.json().smtp.password).toEqual({ set: true, hint: '…cret' });

      for (const url of ['/api/v1/notifications/settings/smtp', '/api/v1/notifications/settings/sms']) {
        const body = (await call('p-okafor', 'GET', url)).body;
        expect(body).not.toContain(SMTP_PASSWORD);
        expect(body).not.toContain(SMS_TOKEN);
      }
    });

    it('refuses unencrypted SMTP to another machine and plain http to a provider, with a clear error', async () => {
      const smtpAnswer = await call('p-okafor', 'PUT', '/api/v1/notifications/settings/smtp', {
        host: 'mail.riverside.example',
        port: 25,
        security: 'none',
        from: 'keys@riverside.example',
      });
      expect(smtpAnswer.statusCode).toBe(400);
      expect(smtpAnswer.json().error.code).toBe('invalid_request');
      expect(smtpAnswer.json().error.message).toContain(
        'unencrypted SMTP is allowed only to a relay on this machine',
      );
      const smsAnswer = await call('p-okafor', 'PUT', '/api/v1/notifications/settings/sms', {
        baseUrl: 'http://sms.example.org',
        accountSid: 'AC99',
        from: '+15550002222',
      });
      expect(smsAnswer.statusCode).toBe(400);
      expect(smsAnswer.json().error.message).toContain('must use https');
    });

    it('shows a webhook secret once, never again, and keeps it out of the audit log', async () => {
      const added = await call('p-okafor', 'POST', '/api/v1/notifications/webhooks', {
        url: `${http.url}/hook`,
        description: 'CAD system',
        eventTypes: ['checkout'],
      });
      expect(added.statusCode).toBe(201);
      const { webhook, secret } = added.json();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(webhook).toMatchObject({ eventTypes: ['checkout'], active: true, secret: { set: true } });
      const list = await call('p-okafor', 'GET', '/api/v1/notifications/webhooks');
      expect(list.json().webhooks).toHaveLength(1);
      expect(list.body).not.toContain(secret.slice(6, 20));

      const rotated = await call('p-okafor', 'PATCH', `/api/v1/notifications/webhooks/${webhook.id}`, {
        rotateSecret: true,
        active: false,
      });
      expect(rotated.statusCode).toBe(200);
      expect(rotated.json().secret).not.toBe(secret);
      expect(rotated.json().webhook.active).toBe(false);
      expect(
        (await call('p-okafor', 'DELETE', `/api/v1/notifications/webhooks/${webhook.id}`)).statusCode,
      ).toBe(204);
      expect(
        (await call('p-okafor', 'DELETE', `/api/v1/notifications/webhooks/${webhook.id}`)).statusCode,
      ).toBe(404);

      const audit = await auditText(bed.db);
      expect(audit).toContain('notification.webhook-added');
      for (const text of [secret, rotated.json().secret, SMTP_PASSWORD, SMS_TOKEN]) {
        expect(audit).not.toContain(text);
        expect(audit).not.toContain(text.slice(-12));
      }
    });

    it('sends a test message now, to the in-process SMTP server', async () => {
      const before = smtp.mails.length;
      const answer = await call('p-okafor', 'POST', '/api/v1/notifications/test', {
        to: 'okafor@riverside.example',
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toMatchObject({ channel: 'email', status: 'sent', error: null });
      const mail = (await smtp.waitFor(before + 1)).at(-1);
      expect(mail?.subject).toBe('Keywarden test message');
      expect(mail?.text).toContain('sent by p-okafor');
      expect(mail?.messageId).toBe(`<${answer.json().message}@keywarden>`);
      const bad = await call('p-okafor', 'POST', '/api/v1/notifications/test', { to: 'not an address' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain('neither an e-mail address nor an E.164 phone number');
    });

    it('lists dead letters and lets an admin retry one, once', async () => {
      http.respondWith(400);
      bed.clock.advance(1000); // ids are time-ordered to the millisecond: newest first by id
      const id = await insertMessage(bed.db, bed.clock, { channel: 'sms', address: '+15557778888' });
      await sender.runDueNow();
      const dead = await call('p-haddad', 'GET', '/api/v1/notifications/messages?status=dead&channel=sms');
      expect(dead.statusCode).toBe(200);
      expect(dead.json().messages.map((m: { id: string }) => m.id)).toContain(id);
      expect(dead.json().messages[0]).toMatchObject({
        status: 'dead',
        lastError: 'the SMS provider answered HTTP 400',
      });

      http.respondWith(201);
      const retried = await call('p-okafor', 'POST', `/api/v1/notifications/messages/${id}/retry`, {});
      expect(retried.statusCode).toBe(200);
      expect(retried.json().message).toMatchObject({ status: 'pending', attempts: 0 });
      const twice = await call('p-okafor', 'POST', `/api/v1/notifications/messages/${id}/retry`, {});
      expect(twice.statusCode).toBe(409);
      expect(twice.json().error.code).toBe('message_not_dead');
      expect(
        (await call('p-okafor', 'POST', '/api/v1/notifications/messages/nope/retry', {})).statusCode,
      ).toBe(404);
      await sender.runDueNow();
      const sent = await call('p-okafor', 'GET', `/api/v1/notifications/messages?status=sent&limit=1`);
      expect(sent.json().messages[0].id).toBe(id);
      expect(sent.json().next).not.toBeNull();
      expect(sent.headers.link).toContain('rel="next"');
    });

    it('shows each person their own inbox only, and marks a message read', async () => {
      const mine = await insertMessage(bed.db, bed.clock, {
        channel: 'in-app',
        address: 'p-chen',
        person: 'p-chen',
        subject: 'Overdue: car-101',
      });
      await insertMessage(bed.db, bed.clock, { channel: 'in-app', address: 'p-okafor', person: 'p-okafor' });
      await sender.runDueNow();
      const inbox = await call('p-chen', 'GET', '/api/v1/inbox');
      expect(inbox.statusCode).toBe(200);
      expect(inbox.json()).toMatchObject({
        unread: 1,
        // `event` names what to acknowledge; this message was written without one.
        messages: [{ id: mine, event: null, subject: 'Overdue: car-101', readAt: null }],
      });
      expect((await call('p-okafor', 'POST', `/api/v1/inbox/${mine}/read`, {})).statusCode).toBe(404);
      const read = await call('p-chen', 'POST', `/api/v1/inbox/${mine}/read`, {});
      expect(read.statusCode).toBe(200);
      expect((await call('p-chen', 'GET', '/api/v1/inbox?unread=true')).json()).toMatchObject({
        unread: 0,
        messages: [],
      });
    });

    it('streams a hint the moment an in-app message is delivered', async () => {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as AddressInfo).port;
      const received: string[] = [];
      let gotEvent: () => void = () => {};
      const eventArrived = new Promise<void>((resolve) => {
        gotEvent = resolve;
      });
      const connected = new Promise<void>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/api/v1/inbox/events',
            headers: { cookie: sessions['p-chen']?.cookie, accept: 'text/event-stream' },
          },
          (response) => {
            expect(response.statusCode).toBe(200);
            expect(response.headers['content-type']).toContain('text/event-stream');
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              received.push(chunk);
              if (chunk.includes(': connected')) resolve();
              if (chunk.includes('event: inbox')) gotEvent();
            });
          },
        );
        request.on('error', reject);
        request.end();
      });
      await connected;
      const id = await insertMessage(bed.db, bed.clock, {
        channel: 'in-app',
        address: 'p-chen',
        person: 'p-chen',
      });
      await sender.runDueNow();
      await eventArrived;
      expect(received.join('')).toContain(`event: inbox\ndata: {"message":"${id}"}`);
      // Without Accept: text/event-stream the endpoint explains itself instead of hanging.
      const plain = await call('p-chen', 'GET', '/api/v1/inbox/events');
      expect(plain.statusCode).toBe(400);
    });
  });
}
