/**
 * How the notification sender treats a delivery attempt: how long to wait before the next one, when to give
 * up, and which answers are worth retrying. Pure: no I/O, no clock.
 */

/** A message is tried at most this many times; then it is a dead letter an admin may retry. */
export const MAX_ATTEMPTS = 8;

/** The wait after the first failed attempt; it doubles after each further one. */
export const FIRST_RETRY_DELAY_MS = 30_000;

/** Jitter spreads retries of many messages that failed together (an SMTP outage) over ±20 %. */
const JITTER = 0.2;

/**
 * The delay before attempt `failedAttempts + 1`: 30 s, 1, 2, 4, 8, 16, 32 minutes, each ±20 %.
 * `random` is a number in [0, 1): 0.5 gives the delay without jitter.
 * @example retryDelayMs(1, 0.5) // 30_000
 * @example retryDelayMs(3, 0.5) // 120_000
 */
export function retryDelayMs(failedAttempts: number, random: number): number {
  const base = FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, failedAttempts - 1);
  return Math.round(base * (1 - JITTER + 2 * JITTER * random));
}

/** What one delivery attempt came to. */
export type DeliveryOutcome =
  | { kind: 'delivered'; detail?: string }
  /** Worth trying again later (a timeout, a 5xx, a refused connection, 408, 429). */
  | { kind: 'transient'; error: string }
  /** Will never work as it stands (a 4xx, an unknown recipient): dead at once. */
  | { kind: 'permanent'; error: string }
  /** The channel has no settings yet (no SMTP server, no SMS provider): no attempt was made. */
  | { kind: 'unconfigured'; error: string };

/**
 * A message whose channel is not configured waits: it is not an attempt, so it costs none of its attempts
 * and writes no audit entry (a fresh install would otherwise fill its log with failures it cannot help).
 * Saving the channel's settings releases it at once; until then it is looked at again every hour.
 */
export const WAITING_FOR_SETTINGS = 'waiting for channel settings';
export const HELD_RECHECK_MS = 60 * 60_000;

/**
 * Classifies an HTTP status from an SMS provider or a webhook endpoint: 2xx delivered; 408 and 429 and
 * everything else outside 4xx retried; any other 4xx permanent.
 * @example outcomeOfHttpStatus(204, 'webhook') // { kind: 'delivered' }
 * @example outcomeOfHttpStatus(410, 'webhook').kind // 'permanent'
 */
export function outcomeOfHttpStatus(status: number, what: string): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', detail: `HTTP ${status}` };
  const error = `${what} answered HTTP ${status}`;
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: 'permanent', error };
  return { kind: 'transient', error };
}

/** What the sender does after an attempt: the row's next state. */
export type NextStep =
  | { status: 'sent' }
  | { status: 'pending'; retryInMs: number; error: string }
  | { status: 'dead'; error: string }
  | { status: 'held'; recheckInMs: number; error: string };

/**
 * The next state of a message after attempt number `attempt` (1-based) came to `outcome`.
 * @example nextStep({ kind: 'transient', error: 'x' }, 8, 0.5) // { status: 'dead', error: 'x' }
 */
export function nextStep(outcome: DeliveryOutcome, attempt: number, random: number): NextStep {
  if (outcome.kind === 'delivered') return { status: 'sent' };
  if (outcome.kind === 'unconfigured')
    return {
      status: 'held',
      recheckInMs: HELD_RECHECK_MS,
      error: `${WAITING_FOR_SETTINGS}: ${outcome.error}`,
    };
  if (outcome.kind === 'permanent' || attempt >= MAX_ATTEMPTS)
    return { status: 'dead', error: outcome.error };
  return { status: 'pending', retryInMs: retryDelayMs(attempt, random), error: outcome.error };
}

/** Errors are stored and audited: keep them short. */
export function shortError(text: string, max = 500): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/**
 * What may be shown of a secret: its last four characters.
 * @example secretHint('whsec_abcdefgh') // '…efgh'
 */
export function secretHint(secret: string): string {
  return `…${secret.slice(-4)}`;
}

/**
 * Whether an endpoint with `filter` (empty: every event) subscribes to `eventType`: exact names, as the
 * event router matches them when it addresses webhook messages.
 * @example subscribesTo([], 'overdue') // true
 * @example subscribesTo(['checkout'], 'overdue') // false
 */
export function subscribesTo(filter: readonly string[], eventType: string): boolean {
  return filter.length === 0 || filter.includes(eventType);
}

/** An E.164 phone number: + and 8 to 15 digits. */
export const E164 = /^\+[1-9]\d{7,14}$/;

/** Loopback hosts, the only ones plain http or unencrypted SMTP may go to (a relay on the same machine). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/**
 * Why a URL may not be used for a provider or webhook, or null: https only, except http to loopback (a
 * relay or a test receiver on this machine); no credentials in the URL.
 * @example urlProblem('http://hooks.example.org/x') // 'must use https (http only to this machine)'
 */
export function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return 'must use https (http only to this machine)';
  }
  if (url.username || url.password) return 'must not hold credentials (they are set apart and stored sealed)';
  return null;
}
