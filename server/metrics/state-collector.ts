// Check states and agents, read from the database at scrape time. The
// database is the truth (any replica may have written a state), so nothing
// here is kept in memory between scrapes: a deleted check or agent vanishes
// from the next scrape, and every replica exports the same numbers.
//
// One series per (check, agent) pair and metric, never per result. These
// families are written as text from the rows (exposition.ts), not through
// prom-client gauges: at 20,000 states (60,000 series) a scrape went from
// ~320 to ~145 ms, most of it on the event loop that also answers the agents;
// and straight into buffers, with no string or object per line (ADR 9).
import type { AgentFact, ScrapeStateFact } from '../db/dashboard.repository.ts';
import type { Logger } from '../log.ts';
import { escapeLabelValue, labelSet, type ExpositionWriter } from './exposition.ts';
import { statusCode } from './status-code.ts';

export interface StateSources {
  /** Every (check, agent) state: one query. */
  states(): Promise<ScrapeStateFact[]>;
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

/** Reads the states and agents of one scrape (one read of each table); then writes their families. */
export function stateExposition(
  sources: StateSources,
  log: Logger | undefined,
): () => Promise<(out: ExpositionWriter) => void> {
  return async () => {
    let states: ScrapeStateFact[] = [];
    let agents: AgentFact[] = [];
    let up = 1;
    try {
      [states, agents] = await Promise.all([sources.states(), sources.agents()]);
    } catch (error) {
      log?.warn({ err: error }, 'metrics: could not read states from the database');
      up = 0;
    }
    return (out) => {
      checkFamilies(out, states);
      agentFamilies(out, agents);
      out.family('vilicus_database_up', STATE_FAMILIES.vilicus_database_up, [{ labels: '', value: up }]);
    };
  };
}

type Family = keyof typeof STATE_FAMILIES;

/** One family with a sample for each row whose value is not null, in the rows' order. */
function rowFamily<T>(
  out: ExpositionWriter,
  name: Family,
  rows: T[],
  labels: string[],
  value: (row: T) => number | null,
) {
  out.gauge(name, STATE_FAMILIES[name]);
  rows.forEach((row, i) => {
    const v = value(row);
    if (v !== null) out.sample(name, labels[i]!, v);
  });
}

function checkFamilies(out: ExpositionWriter, states: ScrapeStateFact[]): void {
  // The label set is the same in the five families: escaped once per state, in one template (no arrays per state).
  const e = escapeLabelValue;
  const labels = states.map(
    (s) => `{namespace="${e(s.namespace)}",check="${e(s.check)}",kind="${e(s.kind)}",agent="${e(s.agent)}"}`,
  );
  // A PENDING pair has no state yet (like a pair never reported on): no status series, so it never counts as failing.
  rowFamily(out, 'vilicus_check_status', states, labels, (s) => (s.status === 'PENDING' ? null : statusCode(s.status)));
  rowFamily(out, 'vilicus_check_value', states, labels, (s) => s.value);
  rowFamily(out, 'vilicus_check_status_since_timestamp_seconds', states, labels, (s) =>
    s.status === 'PENDING' ? null : s.since,
  );
  rowFamily(out, 'vilicus_check_pending', states, labels, (s) =>
    s.pendingStatus === null ? null : statusCode(s.pendingStatus),
  );
  rowFamily(out, 'vilicus_check_pending_counts_at_timestamp_seconds', states, labels, (s) =>
    s.pendingStatus === null ? null : s.pendingCountsAt,
  );
}

function agentFamilies(out: ExpositionWriter, agents: AgentFact[]): void {
  const labels = agents.map((a) => labelSet([['agent', a.name]]));
  rowFamily(out, 'vilicus_agent_last_seen_timestamp_seconds', agents, labels, (a) => a.lastSeenAt);
  rowFamily(out, 'vilicus_agent_missing', agents, labels, (a) => (a.missing ? 1 : 0));
}
