import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afterFailure,
  afterPolicyLock,
  afterSuccess,
  afterUnlock,
  isLockedOut,
  LOCKOUT_RULES,
  type LockoutState,
  lockoutDurationMs,
  NO_LOCKOUT,
} from './lockout.js';

const MINUTE = 60_000;

/** Applies `n` failures one second apart from `now`; returns the state and the lockouts started. */
function fail(state: LockoutState, now: number, n: number) {
  const started: { at: number; until: number; durationMs: number }[] = [];
  let current = state;
  for (let index = 0; index < n; index++) {
    const at = now + index * 1000;
    const outcome = afterFailure(current, at);
    if (outcome.lockout) started.push({ at, ...outcome.lockout });
    current = outcome.state;
  }
  return { state: current, started };
}

describe('failure lockouts', () => {
  it('locks out on the fifth consecutive failure, for 5 minutes', () => {
    const four = fail(NO_LOCKOUT, 0, 4);
    expect(four.started).toEqual([]);
    expect(four.state).toEqual({ consecutiveFailures: 4, lockouts: 0, lockedUntil: null });
    const fifth = afterFailure(four.state, 10_000);
    expect(fifth.lockout).toEqual({ until: 10_000 + 5 * MINUTE, durationMs: 5 * MINUTE });
    expect(fifth.state).toEqual({ consecutiveFailures: 0, lockouts: 1, lockedUntil: 10_000 + 5 * MINUTE });
    expect(isLockedOut(fifth.state, 10_000 + 5 * MINUTE - 1)).toBe(true);
    expect(isLockedOut(fifth.state, 10_000 + 5 * MINUTE)).toBe(false);
  });

  it('doubles each lockout: 5, 10, 20, 40 minutes', () => {
    let state: LockoutState = NO_LOCKOUT;
    let now = 0;
    const durations: number[] = [];
    for (let round = 0; round < 4; round++) {
      const burst = fail(state, now, 5);
      expect(burst.started).toHaveLength(1);
      durations.push((burst.started[0] as { durationMs: number }).durationMs);
      state = burst.state;
      now = state.lockedUntil as number;
    }
    expect(durations).toEqual([5 * MINUTE, 10 * MINUTE, 20 * MINUTE, 40 * MINUTE]);
  });

  it('does not count attempts while locked out', () => {
    const locked = fail(NO_LOCKOUT, 0, 5).state;
    const during = fail(locked, 60_000, 20);
    expect(during.state).toEqual(locked);
    expect(during.started).toEqual([]);
  });

  it('resets the count and the doubling on a success', () => {
    const locked = fail(NO_LOCKOUT, 0, 5).state;
    const afterward = fail(locked, 10 * MINUTE, 3).state;
    expect(afterward).toMatchObject({ consecutiveFailures: 3, lockouts: 1 });
    const reset = afterSuccess(afterward, 10 * MINUTE + 3000);
    expect(reset).toEqual(NO_LOCKOUT);
    expect(fail(reset, 20 * MINUTE, 5).started[0]?.durationMs).toBe(5 * MINUTE);
  });

  it.each([
    [1, 5],
    [2, 10],
    [3, 20],
    [6, 160],
    [21, 5 * 2 ** 20],
    [40, 5 * 2 ** 20],
  ])('the lockout number %i lasts %i minutes', (nth, minutes) => {
    expect(lockoutDurationMs(nth)).toBe(minutes * MINUTE);
  });
});

describe('policy locks', () => {
  it('locks from now when no lock is in force', () => {
    expect(afterPolicyLock(NO_LOCKOUT, 1000, 30 * MINUTE)).toEqual({
      ...NO_LOCKOUT,
      lockedUntil: 1000 + 30 * MINUTE,
    });
  });

  it('adds to a lock in force, and leaves the failure count and doubling alone', () => {
    const locked = fail(NO_LOCKOUT, 0, 5).state; // until 4 s + 5 min
    const stacked = afterPolicyLock(locked, MINUTE, 30 * MINUTE);
    expect(stacked).toEqual({ consecutiveFailures: 0, lockouts: 1, lockedUntil: 4000 + 35 * MINUTE });
    const partial = { consecutiveFailures: 3, lockouts: 2, lockedUntil: null };
    expect(afterPolicyLock(partial, 0, MINUTE)).toEqual({ ...partial, lockedUntil: MINUTE });
  });

  it('starts from now when an earlier lock has ended', () => {
    expect(afterPolicyLock({ ...NO_LOCKOUT, lockedUntil: 1000 }, 5000, MINUTE).lockedUntil).toBe(
      5000 + MINUTE,
    );
  });

  it('ignores a duration that is not positive', () => {
    expect(afterPolicyLock(NO_LOCKOUT, 0, 0)).toEqual(NO_LOCKOUT);
    expect(afterPolicyLock(NO_LOCKOUT, 0, Number.NaN)).toEqual(NO_LOCKOUT);
  });
});

describe('a completed sign-in', () => {
  it('keeps a lock still in force, such as a policy lock that began half-way', () => {
    const locked = afterPolicyLock({ consecutiveFailures: 2, lockouts: 1, lockedUntil: null }, 0, MINUTE);
    expect(afterSuccess(locked, 1000)).toEqual({ consecutiveFailures: 0, lockouts: 0, lockedUntil: MINUTE });
    expect(afterSuccess(locked, MINUTE)).toEqual(NO_LOCKOUT);
  });
});

describe('an administrator unlock', () => {
  it('clears everything', () => {
    const locked = afterPolicyLock(fail(NO_LOCKOUT, 0, 5).state, 0, 60 * MINUTE);
    expect(afterUnlock(locked)).toEqual(NO_LOCKOUT);
  });
});

type LockoutEvent =
  | { kind: 'failure'; gap: number }
  | { kind: 'success'; gap: number }
  | { kind: 'policy'; gap: number; durationMs: number };

const eventArb: fc.Arbitrary<LockoutEvent> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('failure' as const), gap: fc.nat({ max: 20 * MINUTE }) }),
    weight: 6,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('success' as const), gap: fc.nat({ max: 20 * MINUTE }) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('policy' as const),
      gap: fc.nat({ max: 20 * MINUTE }),
      durationMs: fc.integer({ min: MINUTE, max: 120 * MINUTE }),
    }),
    weight: 1,
  },
);

describe('properties over any sequence of events', () => {
  it('never locks before 5 consecutive counted failures, and a lock in force never shortens', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        let state: LockoutState = NO_LOCKOUT;
        let now = 0;
        let counted = 0;
        for (const event of events) {
          now += event.gap;
          const before = state;
          if (event.kind === 'failure') {
            const outcome = afterFailure(state, now);
            if (!isLockedOut(before, now)) counted++;
            if (outcome.lockout) {
              expect(counted).toBe(LOCKOUT_RULES.failuresBeforeLockout);
              expect(outcome.lockout.durationMs).toBe(lockoutDurationMs(outcome.state.lockouts));
              counted = 0;
            }
            state = outcome.state;
          } else if (event.kind === 'policy') {
            state = afterPolicyLock(state, now, event.durationMs);
            expect(state.lockedUntil).toBe(Math.max(now, before.lockedUntil ?? now) + event.durationMs);
            expect(state.consecutiveFailures).toBe(before.consecutiveFailures);
          } else {
            state = afterSuccess(state, now);
            counted = 0;
            expect(state).toEqual({
              ...NO_LOCKOUT,
              lockedUntil: isLockedOut(before, now) ? before.lockedUntil : null,
            });
          }
          if (isLockedOut(before, now)) {
            expect(state.lockedUntil as number).toBeGreaterThanOrEqual(before.lockedUntil as number);
          }
          expect(state.consecutiveFailures).toBeLessThan(LOCKOUT_RULES.failuresBeforeLockout);
          expect(state.consecutiveFailures).toBe(counted);
        }
      }),
    );
  });
});
