// Check states and agents, read from the database at scrape time. The
// database is the truth (any replica may have written a state), so nothing
// here is kept in memory between scrapes: a deleted check or agent vanishes
// from the next scrape, and every replica exports the same numbers.
import { Gauge, type Registry } from 'prom-client';
import type { AgentFact, StateFact } from '../db/dashboard.repository.ts';
import type { Logger } from '../log.ts';
import { sharedPerScrape } from './per-scrape.ts';
import { statusCode } from './status-code.ts';

export interface StateSources {
  /** Every (check, agent) state: one query. */
  states(): Promise<StateFact[]>;
  /** Every agent: one query. */
  agents(): Promise<AgentFact[]>;
}

interface Snapshot {
  states: StateFact[];
  agents: AgentFact[];
}

// Bounded: one series per (check, agent) pair, never per result.
const CHECK_LABELS = ['namespace', 'check', 'kind', 'agent'] as const;

export function registerStateCollectors(registry: Registry, sources: StateSources, log: Logger | undefined): void {
  const snapshot = sharedPerScrape(async (): Promise<Snapshot | null> => {
    try {
      const [states, agents] = await Promise.all([sources.states(), sources.agents()]);
      return { states, agents };
    } catch (error) {
      log?.warn({ err: error }, 'metrics: could not read states from the database');
      return null;
    }
  });
  const filled = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (gauge: Gauge<L>, data: Snapshot) => void,
  ): void => {
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const data = await snapshot();
        this.reset();
        if (data) fill(this, data);
      },
    });
  };
  registerCheckGauges(filled);
  registerAgentGauges(filled);
  new Gauge({
    name: 'vilicus_database_up',
    help: 'Whether this scrape could read the check states from the database (1) or not (0)',
    registers: [registry],
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
}

type Filled = <L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  fill: (gauge: Gauge<L>, data: Snapshot) => void,
) => void;

function checkLabels(s: StateFact): Record<(typeof CHECK_LABELS)[number], string> {
  return { namespace: s.namespace, check: s.check, kind: s.kind, agent: s.agent };
}

function registerCheckGauges(filled: Filled): void {
  filled(
    'vilicus_check_status',
    'Current state of a check on an agent: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios exit codes)',
    CHECK_LABELS,
    (gauge, { states }) => {
      for (const s of states) gauge.set(checkLabels(s), statusCode(s.status));
    },
  );
  filled(
    'vilicus_check_value',
    'Last value a check reported on an agent: busy percent for cpu, matching processes for process',
    CHECK_LABELS,
    (gauge, { states }) => {
      for (const s of states) if (s.value !== null) gauge.set(checkLabels(s), s.value);
    },
  );
  filled(
    'vilicus_check_status_since_timestamp_seconds',
    'When the current state of a check on an agent began (Unix time)',
    CHECK_LABELS,
    (gauge, { states }) => {
      for (const s of states) gauge.set(checkLabels(s), s.since);
    },
  );
}

function registerAgentGauges(filled: Filled): void {
  filled(
    'vilicus_agent_last_seen_timestamp_seconds',
    'When an agent last checked in (Unix time); absent for an agent that never did',
    ['agent'],
    (gauge, { agents }) => {
      for (const a of agents) if (a.lastSeenAt !== null) gauge.set({ agent: a.name }, a.lastSeenAt);
    },
  );
  filled(
    'vilicus_agent_missing',
    'Whether an agent is missing (1: silent past its deadline, its checks are UNKNOWN) or not (0)',
    ['agent'],
    (gauge, { agents }) => {
      for (const a of agents) gauge.set({ agent: a.name }, a.missing ? 1 : 0);
    },
  );
}
