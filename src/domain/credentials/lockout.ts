/**
 * Lockout after failed factors, as a pure state machine over one person's state. Reading of the rules:
 * - 5 consecutive failed factors (any kind, counted together) lock the person out of every cabinet. The
 *   n-th lockout (counting from 1) lasts 5 minutes * 2^(n-1): 5, 10, 20, 40 minutes... The failure count
 *   starts again from zero when a lockout begins, so the next lockout takes another 5 failures.
 * - Attempts while locked out are refused without being checked and do not count: counting them would let
 *   anyone who knows a person's id keep that person locked out forever.
 * - A success resets both the failure count and the doubling. "A success" is a completed sign-in (all the
 *   factors the terminal asked for), not one factor: if one correct factor reset the count, a thief holding
 *   a person's badge could present it between every four PIN guesses and guess without end. A lock still
 *   in force when a sign-in completes (a policy lock that began half-way) stays.
 * - A `lock:<duration>` consequence of the policy adds to any lock in force: it stacks after it
 *   (lockedUntil = max(now, lockedUntil) + duration). It neither counts as a failure lockout (no doubling)
 *   nor clears the failure count.
 * - An administrator's unlock clears everything, as a success does.
 * Times are epoch milliseconds.
 */

export interface LockoutState {
  consecutiveFailures: number;
  /** Failure lockouts since the last success: the next one lasts twice as long as the last. */
  lockouts: number;
  /** Epoch ms; locked while now < lockedUntil. */
  lockedUntil: number | null;
}

export interface LockoutRules {
  failuresBeforeLockout: number;
  firstLockoutMs: number;
}

export const LOCKOUT_RULES: Readonly<LockoutRules> = Object.freeze({
  failuresBeforeLockout: 5,
  firstLockoutMs: 5 * 60_000,
});

/** Doubling stops here (5 minutes * 2^20 is about 10 years), only to keep the arithmetic finite. */
const MAX_DOUBLINGS = 20;

export const NO_LOCKOUT: Readonly<LockoutState> = Object.freeze({
  consecutiveFailures: 0,
  lockouts: 0,
  lockedUntil: null,
});

/**
 * Whether the person is locked out at `now`.
 * @example isLockedOut({ consecutiveFailures: 0, lockouts: 1, lockedUntil: 1_000 }, 999) // true
 */
export function isLockedOut(state: LockoutState, now: number): boolean {
  return state.lockedUntil !== null && now < state.lockedUntil;
}

/**
 * How long the n-th failure lockout (1-based) lasts.
 * @example lockoutDurationMs(3) // 1_200_000 (20 minutes)
 */
export function lockoutDurationMs(nth: number, rules: LockoutRules = LOCKOUT_RULES): number {
  return rules.firstLockoutMs * 2 ** Math.min(Math.max(nth - 1, 0), MAX_DOUBLINGS);
}

export interface FailureOutcome {
  state: LockoutState;
  /** Set when this failure started a lockout: until when, and for how long. */
  lockout: { until: number; durationMs: number } | null;
}

/**
 * The state after a failed factor. A failure while locked out is not counted (see the module comment):
 * the state comes back unchanged.
 * @example afterFailure({ consecutiveFailures: 4, lockouts: 0, lockedUntil: null }, 0).lockout // { until: 300_000, durationMs: 300_000 }
 */
export function afterFailure(
  state: LockoutState,
  now: number,
  rules: LockoutRules = LOCKOUT_RULES,
): FailureOutcome {
  if (isLockedOut(state, now)) return { state, lockout: null };
  const failures = state.consecutiveFailures + 1;
  if (failures < rules.failuresBeforeLockout) {
    return { state: { ...state, consecutiveFailures: failures }, lockout: null };
  }
  const lockouts = state.lockouts + 1;
  const durationMs = lockoutDurationMs(lockouts, rules);
  const until = now + durationMs;
  return { state: { consecutiveFailures: 0, lockouts, lockedUntil: until }, lockout: { until, durationMs } };
}

/**
 * The state after a completed sign-in: failures and doubling reset. A lock still in force stays (a policy
 * lock can begin while a person is half-way through signing in); an expired one is cleared.
 * @example afterSuccess({ consecutiveFailures: 3, lockouts: 2, lockedUntil: null }, 0) // NO_LOCKOUT
 */
export function afterSuccess(state: LockoutState, now: number): LockoutState {
  return { ...NO_LOCKOUT, lockedUntil: isLockedOut(state, now) ? state.lockedUntil : null };
}

/**
 * The state after a policy consequence `lock:<duration>`: the lock stacks after any lock in force.
 * @example afterPolicyLock({ consecutiveFailures: 0, lockouts: 1, lockedUntil: 300_000 }, 0, 1_800_000).lockedUntil // 2_100_000
 */
export function afterPolicyLock(state: LockoutState, now: number, durationMs: number): LockoutState {
  if (!Number.isFinite(durationMs) || durationMs <= 0) return state;
  const from = Math.max(now, state.lockedUntil ?? now);
  return { ...state, lockedUntil: from + durationMs };
}

/** The state after an administrator clears a lockout: everything reset, as after a success. */
export function afterUnlock(_state: LockoutState): LockoutState {
  return { ...NO_LOCKOUT };
}
