/**
 * E-mail over SMTP with nodemailer: the row's subject, text and HTML bodies, and the message id as the
 * e-mail's Message-ID (`<id@keywarden>`), so that a resend after a crash is recognisably the same mail.
 *
 * Connections are pooled and reused. A new SMTP connection costs a TCP (and TLS) handshake, the server's
 * greeting (which servers delay on purpose to catch clients that talk too soon: smtp-server 100 ms, Postfix's
 * postscreen longer), EHLO and the login; one per message capped the sender at about 32 mails/s and put the
 * p95 of checkout -> mail accepted near 500 ms at 20 checkouts/s (bench/notifications.bench.ts). There is one
 * pool for the SMTP settings in use: a change of settings (another server, login or password) retires the
 * old pool, whose deliveries in flight finish first. A connection idle for POOL_IDLE_MS is closed, so a quiet
 * server holds no connection of ours and a test's SMTP server can shut down; closeEmailConnections() closes
 * them at once when the application closes.
 */
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { DeliveryOutcome } from '../../domain/notifications/delivery-policy.js';
import type { SmtpSettings } from '../channel-settings.js';

export interface OutgoingEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

/** Connections per pool: the sender delivers up to 4 messages at a time (NotificationSender concurrency). */
const MAX_CONNECTIONS = 4;
/**
 * How long an unused connection stays open. Under load (a burst at shift change) the connections never
 * idle that long; between sparse messages a new connection costs little, since nothing queues behind it.
 * Short, too, because an SMTP server shutting down waits for its clients to leave (smtp-server: 30 s).
 */
export const POOL_IDLE_MS = 1_000;

type SendingSettings = SmtpSettings & { password: string | null };

/** The pool for the settings in use, and a digest of those settings (not the password itself). */
let current: { settings: string; transport: Transporter } | null = null;

function settingsDigest(smtp: SendingSettings): string {
  return createHash('sha256')
    .update(JSON.stringify([smtp.host, smtp.port, smtp.security, smtp.user, smtp.password]))
    .digest('hex');
}

function poolFor(smtp: SendingSettings): Transporter {
  const settings = settingsDigest(smtp);
  if (current?.settings === settings) return current.transport;
  // Without `force`, close() lets the old pool's deliveries in flight finish, then ends its connections.
  current?.transport.close();
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: MAX_CONNECTIONS,
    idleTimeout: POOL_IDLE_MS,
    // A connection the server dropped under a message (an idle one it timed out) gets one more try here;
    // anything beyond is the sender's to retry, with its back-off and audit trail.
    maxRequeues: 1,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  current = { settings, transport };
  return transport;
}

/** Closes the pooled SMTP connections now (when the application shuts down); the next send opens anew. */
export function closeEmailConnections(): void {
  current?.transport.close();
  current = null;
}

/** The Message-ID a notification message goes out with. */
export function emailMessageId(messageId: string): string {
  return `<${messageId}@keywarden>`;
}

/** Sends one e-mail; a 5xx refusal of the recipient is permanent, everything else is worth a retry. */
export async function sendEmail(smtp: SendingSettings, mail: OutgoingEmail): Promise<DeliveryOutcome> {
  try {
    const info = await poolFor(smtp).sendMail({
      from: smtp.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      ...(mail.html ? { html: mail.html } : {}),
      messageId: emailMessageId(mail.id),
    });
    return { kind: 'delivered', detail: String(info.response ?? '').slice(0, 200) };
  } catch (error) {
    const failure = error as Error & { code?: string; responseCode?: number };
    const text = `SMTP: ${failure.message}`;
    // A recipient refused for good (550 no such mailbox) will not become deliverable by waiting; a refused
    // login or a dead server may, once someone fixes the settings.
    if (failure.code === 'EENVELOPE' && (failure.responseCode ?? 0) >= 500) {
      return { kind: 'permanent', error: text };
    }
    return { kind: 'transient', error: text };
  }
}
