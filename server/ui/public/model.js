// Derived facts from one overview document, computed once per poll and
// shared by the views.

/**
 * @typedef {{status: string, since: string, countsAt: string, message: string|null}} Pending
 * @typedef {{agent: string, status: string, since: string, value: number|null, message: string|null, lastResultAt: string|null, pending: Pending|null}} State
 * @typedef {{namespace: string, name: string, kind: string, severity: string, interval: string|null, states: State[]}} Check
 * @typedef {{name: string, labels: Record<string,string>, missing: boolean, lastSeenAt: string|null, version: string|null}} Agent
 */

/** @param {{agents: Agent[], checks: Check[], generatedAt: string}} data */
export function buildModel(data) {
  const byAgent = new Map(data.agents.map((a) => [a.name, []]));
  const counts = { OK: 0, WARNING: 0, CRITICAL: 0, UNKNOWN: 0, PENDING: 0 };
  const problems = [];
  const pending = [];
  for (const check of data.checks) {
    for (const state of check.states) {
      counts[state.status]++;
      byAgent.get(state.agent)?.push({ check, state });
      if (isFailing(state)) problems.push({ check, state });
      if (state.pending) pending.push({ check, state });
    }
  }
  const missing = data.agents.filter((a) => a.missing).length;
  return {
    data,
    agents: data.agents,
    checks: data.checks,
    byAgent,
    counts,
    problems,
    pending,
    agentCounts: { up: data.agents.length - missing, missing },
  };
}

/** The latest CPU percent an agent reported (its first cpu check), or null. */
export function latestCpu(entries) {
  const cpu = entries.find((e) => e.check.kind === 'cpu' && e.state.value !== null);
  return cpu ? cpu.state.value : null;
}

/** Counted as a problem: not OK, and not PENDING (no state yet, its problem still inside its for: window). */
export function isFailing(state) {
  return state.status !== 'OK' && state.status !== 'PENDING';
}
