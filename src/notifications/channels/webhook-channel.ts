/**
 * Webhooks signed per the Standard Webhooks specification (the `standardwebhooks` package): the body is the
 * message's payload JSON (`{ type, timestamp, data }`), and the headers `webhook-id` (the message id, the
 * same on every retry, so receivers can drop duplicates), `webhook-timestamp` and `webhook-signature`.
 */
import { Webhook } from 'standardwebhooks';
import { type DeliveryOutcome, outcomeOfHttpStatus } from '../../domain/notifications/delivery-policy.js';
import { describeFetchError } from './sms-channel.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export interface OutgoingWebhook {
  id: string;
  endpointId: string;
  url: string;
  secret: string;
  payload: string;
  at: Date;
}

export async function sendWebhook(hook: OutgoingWebhook): Promise<DeliveryOutcome> {
  const signature = new Webhook(hook.secret).sign(hook.id, hook.at, hook.payload);
  try {
    const response = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Keywarden-Webhooks/1',
        'webhook-id': hook.id,
        'webhook-timestamp': String(Math.floor(hook.at.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body: hook.payload,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      // A redirect could lead the signed event elsewhere: the configured URL must answer itself.
      redirect: 'error',
    });
    await response.arrayBuffer().catch(() => undefined);
    // The endpoint is named by id, never by URL: a URL may carry a token in its path.
    return outcomeOfHttpStatus(response.status, `webhook endpoint ${hook.endpointId}`);
  } catch (error) {
    return {
      kind: 'transient',
      error: `webhook endpoint ${hook.endpointId} unreachable: ${describeFetchError(error)}`,
    };
  }
}
