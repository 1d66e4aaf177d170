// Check states and agents, read from the database at scrape time. The
// database is the truth (any replica may have written a state), so nothing
// here is kept in memory between scrapes: a deleted check or agent vanishes
// from the next scrape, and every replica exports the same numbers.
//
// One series per (check, agent) pair and metric, never per result. These
// families are written as text from the rows (exposition.ts), not through
// prom-client gauges: at 20,000 states (60,000 series) a scrape went from
// ~320 to ~145 ms, most of it on the event loop that also answers the agents.
import type { AgentFact, StateFact } from '../db/dashboard.repository.ts';
import type { Logger } from '../log.ts';
import { gaugeFamily, labelSet, type Sample } from './exposition.ts';
import { statusCode } from './status-code.ts';

export interface StateSources {
  /** Every (check, agent) state: one query. */
  states(): Promise<StateFact[]>;
  /** Every agent: one query. */
  agents(): Promise<AgentFact[]>;
}

const STATE_FAMILIES = {
  vilicus_check_status:
    'Current state of a check on an agent: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios exit codes)',
  vilicus_check_value: 'Last value a check reported on an agent: busy percent for cpu, matching processes for process',
  vilicus_check_status_since_timestamp_seconds: 'When the current state of a check on an agent began (Unix time)',
  vilicus_check_pending:
    'A problem waiting for its for: window on a check and agent, not counted yet: 1 WARNING, 2 CRITICAL; absent when none waits',
  vilicus_check_pending_counts_at_timestamp_seconds:
    'When the pending problem of a check on an agent counts if it lasts (Unix time)',
  vilicus_agent_last_seen_timestamp_seconds:
    'When an agent last checked in (Unix time); absent for an agent that never did',
  vilicus_agent_missing: 'Whether an agent is missing (1: silent past its deadline, its checks are UNKNOWN) or not (0)',
  vilicus_database_up: 'Whether this scrape could read the check states from the database (1) or not (0)',
} as const;

/** The text of the state and agent families for one scrape: one read of each table. */
export function stateExposition(sources: StateSources, log: Logger | undefined): () => Promise<string> {
  return async () => {
    let states: StateFact[] = [];
    let agents: AgentFact[] = [];
    let up = 1;
    try {
      [states, agents] = await Promise.all([sources.states(), sources.agents()]);
    } catch (error) {
      log?.warn({ err: error }, 'metrics: could not read states from the database');
      up = 0;
    }
    return checkFamilies(states) + agentFamilies(agents) + family('vilicus_database_up', [{ labels: '', value: up }]);
  };
}

const family = (name: keyof typeof STATE_FAMILIES, samples: Iterable<Sample>): string =>
  gaugeFamily(name, STATE_FAMILIES[name], samples);

function checkFamilies(states: StateFact[]): string {
  // The label set is the same in the three families: escaped once per state.
  const labels = states.map((s) =>
    labelSet([
      ['namespace', s.namespace],
      ['check', s.check],
      ['kind', s.kind],
      ['agent', s.agent],
    ]),
  );
  const status: Sample[] = [];
  const value: Sample[] = [];
  const since: Sample[] = [];
  const pending: Sample[] = [];
  const countsAt: Sample[] = [];
  states.forEach((s, i) => {
    // A PENDING pair has no state yet (like a pair never reported on): no status series, so it never counts as failing.
    if (s.status !== 'PENDING') {
      status.push({ labels: labels[i]!, value: statusCode(s.status) });
      since.push({ labels: labels[i]!, value: s.since });
    }
    if (s.value !== null) value.push({ labels: labels[i]!, value: s.value });
    if (s.pendingStatus !== null) {
      pending.push({ labels: labels[i]!, value: statusCode(s.pendingStatus) });
      countsAt.push({ labels: labels[i]!, value: s.pendingCountsAt! });
    }
  });
  return (
    family('vilicus_check_status', status) +
    family('vilicus_check_value', value) +
    family('vilicus_check_status_since_timestamp_seconds', since) +
    family('vilicus_check_pending', pending) +
    family('vilicus_check_pending_counts_at_timestamp_seconds', countsAt)
  );
}

function agentFamilies(agents: AgentFact[]): string {
  const labels = agents.map((a) => labelSet([['agent', a.name]]));
  const seen: Sample[] = [];
  agents.forEach((a, i) => {
    if (a.lastSeenAt !== null) seen.push({ labels: labels[i]!, value: a.lastSeenAt });
  });
  return (
    family('vilicus_agent_last_seen_timestamp_seconds', seen) +
    family(
      'vilicus_agent_missing',
      agents.map((a, i) => ({ labels: labels[i]!, value: a.missing ? 1 : 0 })),
    )
  );
}
