// When is an agent missing, and which checks does it run?
import { createHash } from 'node:crypto';

/** An agent that has not checked in for `factor` × its shortest interval is missing. */
export function missingDeadline(lastSeen: Date, intervalSeconds: number, factor: number): Date {
  return new Date(lastSeen.getTime() + intervalSeconds * factor * 1000);
}

/**
 * After the server could not reach its database from `lastReached` to
 * `recovered`, it could not hear agents either: their deadlines move by that
 * time, and none falls before the recovery plus a grace for the results the
 * agents queued (an agent retries at most its backoff's cap, `graceMs`, after
 * the database is back; sooner after a short outage, so a blip of a second,
 * which can repeat while stale connections fail, earns a short grace).
 */
export function deadlineAfterOutage(deadline: Date, lastReached: Date, recovered: Date, graceMs: number): Date {
  const outageMs = Math.max(0, recovered.getTime() - lastReached.getTime());
  const grace = Math.min(graceMs, 4 * outageMs);
  return new Date(Math.max(deadline.getTime() + outageMs, recovered.getTime() + grace));
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

/** What `agents: any` needs to know about each agent. */
export interface AgentPresence {
  id: string;
  labels: Readonly<Record<string, string>>;
  missing: boolean;
  /** Checked in at least once. */
  seen: boolean;
}

/**
 * `agents: any`: the one agent that runs a check, or null when no agent may.
 * Rendezvous hashing: among the selected agents that are not missing, the one
 * with the highest hash of (check, agent). The choice needs no stored state,
 * spreads checks over the agents, and is stable: when the chosen agent goes
 * missing only its checks move, each to its next agent by hash, and they move
 * back when it returns. Agents that have checked in come first, because an
 * agent registered but never started has no deadline, so it is never marked
 * missing and would hold its checks forever.
 */
export function chooseAgent(
  checkId: string,
  matchLabels: Readonly<Record<string, string>>,
  agents: readonly AgentPresence[],
): string | null {
  const candidates = agents.filter((a) => !a.missing && matchesSelector(a.labels, matchLabels));
  const seen = candidates.filter((a) => a.seen);
  let best: { id: string; weight: string } | null = null;
  for (const agent of seen.length > 0 ? seen : candidates) {
    const weight = createHash('sha256').update(`${checkId}/${agent.id}`).digest('hex');
    if (best === null || weight > best.weight) best = { id: agent.id, weight };
  }
  return best?.id ?? null;
}
