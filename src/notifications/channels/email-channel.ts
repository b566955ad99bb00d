/**
 * E-mail over SMTP with nodemailer: the row's subject, text and HTML bodies, and the message id as the
 * e-mail's Message-ID (`<id@keywarden>`), so that a resend after a crash is recognisably the same mail.
 */
import nodemailer from 'nodemailer';
import type { DeliveryOutcome } from '../../domain/notifications/delivery-policy.js';
import type { SmtpSettings } from '../channel-settings.js';

export interface OutgoingEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

/** The Message-ID a notification message goes out with. */
export function emailMessageId(messageId: string): string {
  return `<${messageId}@keywarden>`;
}

/** Sends one e-mail; a 5xx refusal of the recipient is permanent, everything else is worth a retry. */
export async function sendEmail(
  smtp: SmtpSettings & { password: string | null },
  mail: OutgoingEmail,
): Promise<DeliveryOutcome> {
  const transport = nodemailer.createTransport({
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
  try {
    const info = await transport.sendMail({
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
  } finally {
    transport.close();
  }
}
