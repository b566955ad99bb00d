import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WAKE_CHANNELS, wakeLocally } from './wake.js';
import { WakeableWorker, type WakeableWorkerOptions } from './wakeable-worker.js';

/** A promise the test settles by hand, to hold a run in the middle of its pass. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Lets every pending promise callback run (fake timers leave microtasks alone). */
const settle = () => vi.advanceTimersByTimeAsync(0);

interface Pass {
  pass: number;
  nextAt: number | null;
}

/** A worker whose passes count themselves; `plan` decides each pass's outcome. */
function countingWorker(
  options: Partial<WakeableWorkerOptions<Pass>> & {
    plan?: (pass: number) => Promise<number | null> | number | null;
  } = {},
) {
  const errors: unknown[] = [];
  let passes = 0;
  const worker = new WakeableWorker<Pass>({
    wakeOn: [WAKE_CHANNELS.outbox],
    run: async () => {
      passes += 1;
      const pass = passes;
      return { pass, nextAt: (await options.plan?.(pass)) ?? null };
    },
    nextAt: (last) => last?.nextAt ?? null,
    pollMs: 60_000,
    now: () => Date.now(),
    onError: (error) => errors.push(error),
    ...options,
  });
  return { worker, errors, passes: () => passes };
}

describe('WakeableWorker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-11-27T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs on start and on every wake of its channels, and not on other channels or after stop', async () => {
    const { worker, passes } = countingWorker();
    worker.start();
    await settle();
    expect(passes()).toBe(1);
    wakeLocally(WAKE_CHANNELS.outbox);
    await settle();
    expect(passes()).toBe(2);
    wakeLocally(WAKE_CHANNELS.messages);
    await settle();
    expect(passes()).toBe(2);
    await worker.stop();
    wakeLocally(WAKE_CHANNELS.outbox);
    worker.wake();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(passes()).toBe(2);
  });

  it('coalesces the wakes that come during a pass into one more pass', async () => {
    const held = gate();
    const { worker, passes } = countingWorker({
      plan: (pass) => (pass === 1 ? held.opened.then(() => null) : null),
    });
    worker.start();
    await settle();
    for (let i = 0; i < 3; i++) wakeLocally(WAKE_CHANNELS.outbox);
    worker.wake();
    await settle();
    expect(passes()).toBe(1);
    held.open();
    await settle();
    expect(passes()).toBe(2);
    await worker.stop();
  });

  it('lets runNow join a run in progress and resolve with the merged result of its passes', async () => {
    const held = gate();
    const worker = new WakeableWorker<number>({
      wakeOn: [],
      run: async () => {
        await held.opened;
        return 1;
      },
      nextAt: () => null,
      pollMs: 60_000,
      now: () => Date.now(),
      merge: (earlier, later) => earlier + later,
    });
    const first = worker.runNow();
    const joined = worker.runNow();
    expect(joined).toBe(first);
    held.open();
    expect(await first).toBe(2); // the joining call made one more pass
    expect(await worker.runNow()).toBe(1);
    // Driven by hand, never started: no timer is left behind.
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    ['the next due instant, when it comes before the poll', 5_000, 5_000],
    ['the poll, when the next due instant is further', 90_000, 60_000],
    ['the poll, when nothing is due', null, 60_000],
    ['at once, when the next due instant has passed', -1_000, 0],
  ])('arms its timer at %s', async (_, dueIn, expectedDelay) => {
    const started = Date.now();
    const passedAt: number[] = [];
    const { worker } = countingWorker({
      plan: (pass) => {
        passedAt.push(Date.now());
        return pass === 1 && dueIn !== null ? started + dueIn : null;
      },
    });
    worker.start();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(passedAt[1]).toBe(started + expectedDelay);
    await worker.stop();
  });

  it('asks nextAt with the last successful pass of the run, after the run', async () => {
    const asked: (number | undefined)[] = [];
    const held = gate();
    const { worker } = countingWorker({
      plan: async (pass) => {
        if (pass === 1) await held.opened;
        if (pass === 2) throw new Error('second pass fails');
        return null;
      },
      nextAt: (last) => {
        asked.push(last?.pass);
        return null;
      },
    });
    worker.start();
    worker.wake(); // during the first pass: a second one follows, and fails
    held.open();
    await settle();
    expect(asked).toEqual([1]);
    await worker.stop();
  });

  it('reports a failing pass to onError and goes on: the timer is armed and the next wake runs', async () => {
    const { worker, errors, passes } = countingWorker({
      plan: (pass) => {
        if (pass === 1) throw new Error('database went away');
        return null;
      },
    });
    worker.start();
    await settle();
    expect(errors.map((error) => (error as Error).message)).toEqual(['database went away']);
    expect(vi.getTimerCount()).toBe(1); // the safety poll
    wakeLocally(WAKE_CHANNELS.outbox);
    await settle();
    expect(passes()).toBe(2);
    expect(errors).toHaveLength(1);
    await worker.stop();
  });

  it('rejects runNow when the last pass failed, and reports a failing nextAt and polls', async () => {
    const { worker, errors, passes } = countingWorker({
      plan: () => {
        throw new Error('claim failed');
      },
      nextAt: () => Promise.reject(new Error('next failed')),
    });
    await expect(worker.runNow()).rejects.toThrow('claim failed');
    worker.start();
    await settle();
    expect(errors.map((error) => (error as Error).message)).toEqual([
      'claim failed',
      'claim failed',
      'next failed',
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(passes()).toBe(3);
    await worker.stop();
  });

  it('stops by waiting for the pass in progress, and leaves no timer or second pass behind', async () => {
    const held = gate();
    const { worker, passes } = countingWorker({
      plan: (pass) => (pass === 1 ? held.opened.then(() => 1) : 1),
    });
    worker.start();
    await settle();
    worker.wake(); // would make a second pass, but the stop comes first
    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    held.open();
    await stopping;
    expect(passes()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts again after a stop', async () => {
    const { worker, passes } = countingWorker();
    worker.start();
    worker.start(); // a second start is a no-op
    await settle();
    await worker.stop();
    worker.start();
    await settle();
    expect(passes()).toBe(2);
    wakeLocally(WAKE_CHANNELS.outbox);
    await settle();
    expect(passes()).toBe(3);
    await worker.stop();
  });
});
