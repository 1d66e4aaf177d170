// The project's one backoff: capped exponential with full jitter (the AWS
// architecture blog's variant), so retries from many agents, replicas or
// receivers spread out instead of arriving together. Everything that retries
// (the agent's posts, the informer's watch, the reconciler's requeue, the
// outbox, the server's wait for its database) calls this; it lives with the
// contract because the agent may import nothing else of the server's.
export interface Backoff {
  /** The delay before the next attempt, in ms. */
  next(): number;
  reset(): void;
  readonly attempts: number;
}

/** The longest delay between two attempts, unless a caller asks for another. */
export const BACKOFF_CAP_MS = 30_000;

/** The delay before attempt number `attempt` (0-based), in ms: a draw under min(cap, base·2^attempt), at least base/2. */
export function backoffDelayMs(
  attempt: number,
  baseMs = 500,
  capMs = BACKOFF_CAP_MS,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 52));
  return Math.max(baseMs / 2, Math.round(random() * ceiling));
}

export function createBackoff(baseMs = 500, capMs = BACKOFF_CAP_MS, random: () => number = Math.random): Backoff {
  let attempts = 0;
  return {
    next() {
      return backoffDelayMs(attempts++, baseMs, capMs, random);
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
