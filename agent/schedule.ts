// Which checks are due: pure, time passed in.
export interface Scheduled {
  id: string;
  intervalSeconds: number;
}

/** Checks never run (new, or just assigned) are due at once. */
export function dueChecks<C extends Scheduled>(
  checks: readonly C[],
  lastRun: ReadonlyMap<string, number>,
  now: number,
): C[] {
  return checks.filter((c) => {
    const last = lastRun.get(c.id);
    return last === undefined || now - last >= c.intervalSeconds * 1000 - 50; // 50 ms slack for timer drift
  });
}

/** Milliseconds until the next check is due; `idleMs` when there are none. */
export function msUntilNext(
  checks: readonly Scheduled[],
  lastRun: ReadonlyMap<string, number>,
  now: number,
  idleMs: number,
): number {
  let soonest = Infinity;
  for (const c of checks) {
    // An interval no number can hold (a server older than the contract's 24h bound) is never due.
    if (!(c.intervalSeconds > 0 && Number.isFinite(c.intervalSeconds))) continue;
    const last = lastRun.get(c.id);
    soonest = Math.min(soonest, last === undefined ? 0 : last + c.intervalSeconds * 1000 - now);
  }
  return soonest === Infinity ? idleMs : Math.max(0, soonest);
}

/**
 * setTimeout's longest delay (2^31 - 1 ms, ~24.8 days). Node fires a longer
 * one after 1 ms instead (TimeoutOverflowWarning): an `interval: 720h` check
 * made the agent poll its config thousands of times a second.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay every timer takes as meant: within [minMs, MAX_TIMER_MS], never NaN. */
export function timerDelay(ms: number, minMs = 0): number {
  if (Number.isNaN(ms)) return MAX_TIMER_MS;
  return Math.min(MAX_TIMER_MS, Math.max(minMs, ms));
}
