// Capped exponential backoff with full jitter (the AWS architecture blog's
// variant): retries from many agents spread out instead of arriving together.
export interface Backoff {
  /** The delay before the next attempt, in ms. */
  next(): number;
  reset(): void;
  readonly attempts: number;
}

export function createBackoff(baseMs = 500, capMs = 30_000, random: () => number = Math.random): Backoff {
  let attempts = 0;
  return {
    next() {
      const ceiling = Math.min(capMs, baseMs * 2 ** attempts);
      attempts++;
      return Math.max(baseMs / 2, Math.round(random() * ceiling));
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
