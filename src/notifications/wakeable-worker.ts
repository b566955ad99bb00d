/**
 * The loop shared by the background workers (the event router, the overdue scheduler, the sender): run when
 * woken, run until quiet, then sleep until the next thing falls due, never longer than a safety poll.
 *
 * - Waking: `start()` listens on the worker's wake channels (src/notifications/wake.ts) and runs at once.
 * - Coalescing: a wake during a run does not start a second run beside it; it makes the run go one more
 *   pass when the current one ends, so work committed mid-pass is picked up without waiting for the timer.
 * - Sleeping: after a run, the timer is armed at `nextAt` (asked after the run, so it sees what the run
 *   did), capped by `pollMs`. The poll is the safety net for a lost wake: it costs latency, never work.
 * - Errors: a pass that throws is reported to `onError` and the loop goes on; a worker never dies of one.
 * - Stopping: `stop()` stops listening, clears the timer and waits for the run in progress.
 *
 * `runNow()` is the same run on demand (tests and the demo drive workers by hand with a simulated clock);
 * it joins a run in progress rather than racing it, and does not arm the timer unless the worker is started.
 */
import { onWake, type WakeChannel } from './wake.js';

export interface WakeableWorkerOptions<R> {
  /** The channels whose wakes make the worker run. */
  wakeOn: readonly WakeChannel[];
  /** One pass over the due work. */
  run: () => Promise<R>;
  /**
   * When the next thing falls due (ms since the epoch), or null for "only the poll". Asked after each run
   * with the result of its last successful pass (undefined when every pass failed).
   */
  nextAt: (last: R | undefined) => Promise<number | null> | number | null;
  /** The longest sleep without a wake. */
  pollMs: number;
  now: () => number;
  /** How the results of one run's passes add up; by default the last successful pass stands. */
  merge?: (earlier: R, later: R) => R;
  /** Where a failing pass or nextAt goes; the default drops it. */
  onError?: (error: unknown) => void;
}

export class WakeableWorker<R> {
  private started = false;
  /** Set by stop(): a run in progress ends after its current pass. */
  private stopping = false;
  /** A wake came during the current pass: run one more. */
  private again = false;
  private running: Promise<R> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribes: (() => void)[] = [];

  constructor(private readonly options: WakeableWorkerOptions<R>) {}

  /** Listens on the wake channels and runs now; a second start is a no-op. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.unsubscribes = this.options.wakeOn.map((channel) => onWake(channel, () => this.wake()));
    this.wake();
  }

  /** Runs soon, in the background (errors go to onError); nothing when not started. */
  wake(): void {
    if (!this.started) return;
    // A failed run has already been reported to onError.
    this.runNow().catch(() => undefined);
  }

  /**
   * Runs now, or joins the run in progress (which then goes one more pass), and resolves with the run's
   * result; rejects with the error of its last pass if that one failed (reported to onError as well).
   */
  runNow(): Promise<R> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    let lastPass: R | undefined;
    this.running = this.runUntilQuiet((pass) => {
      lastPass = pass;
    }).finally(() => {
      this.running = null;
      void this.arm(lastPass);
    });
    return this.running;
  }

  /** Waits no longer: stops listening, clears the timer, and waits for the run in progress. */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Passes until no wake came during the last one; `onPass` sees each successful pass's result. */
  private async runUntilQuiet(onPass: (pass: R) => void): Promise<R> {
    let result: R | undefined;
    let failure: { error: unknown } | null = null;
    do {
      this.again = false;
      try {
        const pass = await this.options.run();
        result = result === undefined || !this.options.merge ? pass : this.options.merge(result, pass);
        onPass(pass);
        failure = null;
      } catch (error) {
        this.options.onError?.(error);
        failure = { error };
      }
    } while (this.again && !this.stopping);
    if (failure) throw failure.error;
    return result as R;
  }

  /** Sleeps until the next thing is due, at most the poll; a run that starts meanwhile arms its own. */
  private async arm(last: R | undefined): Promise<void> {
    if (!this.started || this.running) return;
    const poll = this.options.pollMs;
    let delay = poll;
    try {
      const next = await this.options.nextAt(last);
      if (next !== null) delay = Math.max(0, Math.min(poll, next - this.options.now()));
    } catch (error) {
      this.options.onError?.(error);
    }
    if (!this.started || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }
}
