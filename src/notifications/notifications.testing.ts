/**
 * Real parts for the notification tests: an in-process SMTP server (smtp-server) whose mail is read with
 * mailparser, a local HTTP server that plays the SMS provider or a webhook receiver, and a helper that writes
 * a message row as the event router would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { AuditLog } from '../audit/audit-log.js';
import { SecretBox } from '../credentials/secret-box.js';
import { InProcessLiveEvents } from '../live/live-events.js';
import { newId } from '../store/ids.js';
import type { DB, NotificationChannel } from '../store/schema.js';
import { TestClock } from '../testing/service-context.js';
import type { SenderContext } from './notification-sender.js';

export interface TestSmtpServer {
  port: number;
  mails: ParsedMail[];
  /** The credentials the server accepted, per login. */
  logins: { user: string; password: string }[];
  /** Resolves when `count` mails have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1 (no TLS: loopback only) that accepts `user`/`password` when given and refuses
 * the recipient `refuse` with 550. `port` listens on a given port (a server coming back where it was);
 * `acceptDelayMs` records each mail at once but answers 250 only after that pause, so a sender killed in
 * between has delivered a mail it never learnt was accepted.
 */
export async function startSmtpServer(
  auth?: { user: string; password: string },
  options: { refuse?: string; port?: number; acceptDelayMs?: number } = {},
): Promise<TestSmtpServer> {
  const mails: ParsedMail[] = [];
  const logins: { user: string; password: string }[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: !auth,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(login, _session, callback) {
      logins.push({ user: login.username ?? '', password: login.password ?? '' });
      if (auth && login.username === auth.user && login.password === auth.password) {
        return callback(null, { user: login.username });
      }
      return callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address === options.refuse) {
        return callback(Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 }));
      }
      return callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          for (const wake of waiters.splice(0)) wake();
          if (options.acceptDelayMs) setTimeout(() => callback(), options.acceptDelayMs);
          else callback();
        })
        .catch(callback);
    },
  });
  // A client that vanishes mid-conversation (a killed sender) is a socket error, not a test failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    logins,
    async waitFor(count, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (mails.length < count) {
        if (Date.now() > until) throw new Error(`only ${mails.length} of ${count} mails arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestHttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** The status to answer with next (a function of the request count), 204 by default. */
  respondWith(status: number | ((index: number) => number)): void;
  /** A pause before each answer, to make deliveries overlap. */
  delayMs: number;
  close(): Promise<void>;
}

export async function startHttpReceiver(): Promise<TestHttpReceiver> {
  const requests: ReceivedRequest[] = [];
  let status: (index: number) => number = () => 204;
  const receiver: TestHttpReceiver = {
    url: '',
    requests,
    delayMs: 0,
    respondWith(next) {
      status = typeof next === 'number' ? () => next : next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const index = requests.length;
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      setTimeout(() => {
        response.statusCode = status(index);
        response.end(response.statusCode === 204 ? undefined : '{}');
      }, receiver.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** A sender's context with a test clock and a secrets key in a temp directory. */
export function newSenderTestContext(clock = new TestClock(Date.now())): SenderContext & {
  clock: TestClock;
  live: InProcessLiveEvents;
  publicUrl: string;
  dispose(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-notify-'));
  return {
    clock,
    audit: new AuditLog({ now: clock.now }),
    now: clock.now,
    secrets: new SecretBox({ path: join(dir, 'secrets.key') }),
    live: new InProcessLiveEvents(),
    publicUrl: 'http://localhost:8080',
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes one pending message, due now, as the event router would; returns its id. */
export async function insertMessage(
  db: Kysely<DB>,
  clock: TestClock,
  message: {
    channel: NotificationChannel;
    address: string;
    eventType?: string;
    person?: string | null;
    subject?: string;
    text?: string;
    html?: string | null;
    data?: Record<string, unknown>;
  },
): Promise<string> {
  const at = clock.now().toISOString();
  const id = newId(clock.now().getTime());
  const eventType = message.eventType ?? 'checkout';
  await db
    .insertInto('notification_messages')
    .values({
      id,
      idempotency_key: `test:${id}`,
      event_id: null,
      event_type: eventType,
      rule_id: 'test-rule',
      channel: message.channel,
      recipient_person_id: message.person ?? null,
      address: message.address,
      subject: message.subject ?? 'Car 101 taken after hours',
      body_text: message.text ?? 'p-ruiz took car-101 at 02:30 (vehicle-swap).',
      body_html: message.html ?? null,
      payload: JSON.stringify({ type: eventType, timestamp: at, data: message.data ?? { key: 'car-101' } }),
      status: 'pending',
      attempts: 0,
      next_attempt_at: at,
      created_at: at,
    })
    .execute();
  return id;
}
