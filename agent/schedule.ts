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
  if (checks.length === 0) return idleMs;
  let soonest = Infinity;
  for (const c of checks) {
    const last = lastRun.get(c.id);
    soonest = Math.min(soonest, last === undefined ? 0 : last + c.intervalSeconds * 1000 - now);
  }
  return Math.max(0, soonest);
}
