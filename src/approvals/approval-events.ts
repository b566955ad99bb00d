/**
 * The live status of one approval request as Server-Sent Events, for the terminal that waits on it
 * (GET /api/v1/sessions/:id/approvals/:approval/events, docs/terminal-api.md):
 *
 *   event: status          the current status at once, then each change
 *   data: {"approval":{...}}
 *
 * The stream ends after a final status (approved, denied, expired, used). It is woken three ways, because a
 * hint can be lost and a decision can be taken in another process: a `approval:<id>` hint on the live bus
 * (in-process, the moment a decision commits), a re-read of the row every few seconds (the CLI or another
 * server process decided), and a timer at the request's expiry (nothing is written when a request runs
 * out). Heartbeat comments keep proxies from closing a quiet connection, and each heartbeat also keeps the
 * terminal session alive, as the polling it replaces did.
 */
import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { LiveEvents } from '../live/live-events.js';
import type { DB } from '../store/schema.js';
import { type Approval, FINAL_STATUSES, getApproval } from './approvals.service.js';

export const HEARTBEAT_MS = 15_000;
export const RECHECK_MS = 3_000;

export const approvalTopic = (id: string): string => `approval:${id}`;

export interface ApprovalStreamDeps {
  db: Kysely<DB>;
  live: LiveEvents;
  now: () => Date;
  /** Called with each heartbeat; a throw (the session ended) ends the stream with an `error` event. */
  keepAlive?: () => Promise<void>;
  heartbeatMs?: number;
  recheckMs?: number;
  onError?: (error: unknown) => void;
  /**
   * The streams open now, each as the function that ends it: the server ends them all when it closes
   * (a preClose hook), or its close would wait for every waiting terminal's request to run out.
   */
  open?: Set<() => void>;
}

/** One SSE message: JSON data on a single line (JSON.stringify never writes a newline). */
export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Takes over the reply and streams `initial`'s status and its changes until a final one or the client leaves. */
export function streamApprovalStatus(reply: FastifyReply, initial: Approval, deps: ApprovalStreamDeps): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx buffers responses unless told not to; an event that waits in a buffer is no event.
    'x-accel-buffering': 'no',
  });
  let last = initial.status;
  let done = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => {};

  const finish = (): void => {
    if (done) return;
    done = true;
    deps.open?.delete(finish);
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    raw.end();
  };
  const fail = (error: unknown): void => {
    deps.onError?.(error);
    if (!done) raw.write(sseMessage('error', { code: errorCode(error) }));
    finish();
  };
  /** Re-reads the row; `at` overrides the clock when the expiry timer knows the request has run out. */
  const look = async (at?: Date): Promise<void> => {
    if (done) return;
    try {
      const approval = await getApproval(deps.db, initial.id, at ?? deps.now());
      if (done) return;
      // Compared and set with no await between: two looks at once never send one change twice.
      if (approval.status !== last) {
        last = approval.status;
        raw.write(sseMessage('status', { approval }));
      }
      if (FINAL_STATUSES.has(approval.status)) finish();
    } catch (error) {
      fail(error);
    }
  };

  raw.on('close', finish); // the client went away (or the response ended)
  deps.open?.add(finish);
  raw.write(sseMessage('status', { approval: initial }));
  if (FINAL_STATUSES.has(initial.status)) {
    finish();
    return;
  }
  unsubscribe = deps.live.subscribe(approvalTopic(initial.id), () => void look());
  timers.push(setInterval(() => void look(), deps.recheckMs ?? RECHECK_MS));
  timers.push(
    setInterval(() => {
      if (done) return;
      raw.write(': heartbeat\n\n');
      deps.keepAlive?.().catch(fail);
    }, deps.heartbeatMs ?? HEARTBEAT_MS),
  );
  const expiresAt = Date.parse(initial.expiresAt);
  timers.push(
    setTimeout(
      // The timer fires at the expiry: the request is looked at as of then, even if the clock lags a little.
      () => void look(new Date(Math.max(deps.now().getTime(), expiresAt + 1))),
      Math.max(0, expiresAt - deps.now().getTime()) + 10,
    ),
  );
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : 'internal_error';
}
