/**
 * SMS through an HTTP provider shaped like Twilio's Messages API: a form POST of To, From and Body to
 * `{base}/2010-04-01/Accounts/{sid}/Messages.json` with Basic auth (account SID, auth token). The message id
 * goes in Twilio's idempotency header, so a resend after a crash is recognisably the same message.
 */
import { type DeliveryOutcome, outcomeOfHttpStatus } from '../../domain/notifications/delivery-policy.js';
import type { SmsSettings } from '../channel-settings.js';

/** SMS bodies are kept to this many characters (a few segments); the console holds the full text. */
export const SMS_MAX_LENGTH = 480;

export const SMS_TIMEOUT_MS = 15_000;

export interface OutgoingSms {
  id: string;
  to: string;
  body: string;
}

export async function sendSms(
  provider: SmsSettings & { authToken: string },
  sms: OutgoingSms,
): Promise<DeliveryOutcome> {
  const url = `${provider.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(provider.accountSid)}/Messages.json`;
  const body = sms.body.length <= SMS_MAX_LENGTH ? sms.body : `${sms.body.slice(0, SMS_MAX_LENGTH - 1)}…`;
  const credentials = Buffer.from(`${provider.accountSid}:${provider.authToken}`).toString('base64');
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${credentials}`,
        'content-type': 'application/x-www-form-urlencoded',
        'i-twilio-idempotency-token': sms.id,
      },
      body: new URLSearchParams({ To: sms.to, From: provider.from, Body: body }).toString(),
      signal: AbortSignal.timeout(SMS_TIMEOUT_MS),
      redirect: 'error',
    });
    await response.arrayBuffer().catch(() => undefined);
    return outcomeOfHttpStatus(response.status, 'the SMS provider');
  } catch (error) {
    // The message of a fetch failure names no credentials (they are in a header, not the URL).
    return { kind: 'transient', error: `SMS provider unreachable: ${describeFetchError(error)}` };
  }
}

/** A fetch failure in words: the timeout, or the network error beneath "fetch failed". */
export function describeFetchError(error: unknown): string {
  const failure = error as Error & { cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError') return 'no answer in time';
  return failure.cause?.code ?? failure.cause?.message ?? failure.message;
}
