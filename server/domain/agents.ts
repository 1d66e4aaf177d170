// When is an agent missing, and which checks does it run?

/** An agent that has not checked in for `factor` × its shortest interval is missing. */
export function missingDeadline(lastSeen: Date, intervalSeconds: number, factor: number): Date {
  return new Date(lastSeen.getTime() + intervalSeconds * factor * 1000);
}

/** The interval that paces an agent: its most frequent check, or the default when it has none. */
export function agentInterval(checkIntervals: readonly number[], fallbackSeconds: number): number {
  return checkIntervals.length === 0 ? fallbackSeconds : Math.min(...checkIntervals);
}

/** Kubernetes `matchLabels` semantics: every listed label present with that value; empty matches all. */
export function matchesSelector(
  labels: Readonly<Record<string, string>>,
  matchLabels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!matchLabels) return true;
  return Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
}
