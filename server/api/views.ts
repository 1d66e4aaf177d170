// Rows to wire documents.
import type { AgentView, CheckView } from '../../contract/index.ts';
import type { AgentRow } from '../db/agents.repository.ts';
import type { CheckRow, StateRow } from '../db/checks.repository.ts';
import { stateSummary } from '../domain/status.ts';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function agentView(agent: AgentRow): AgentView {
  return {
    id: agent.id,
    name: agent.name,
    labels: agent.labels,
    createdAt: iso(agent.createdAt)!,
    lastSeenAt: iso(agent.lastSeenAt),
    missing: agent.missing,
    version: agent.version,
  };
}

/** A check with its states; the states' times come from the database as the API's text (isoText). */
export function checkView(check: CheckRow, states: readonly StateRow[]): CheckView {
  const summary = stateSummary(states);
  return {
    apiVersion: 'vilicus.dev/v1alpha1',
    kind: 'Check',
    metadata: {
      name: check.name,
      namespace: check.namespace,
      uid: check.id,
      generation: check.generation,
      source: check.source,
      labels: check.labels,
      creationTimestamp: iso(check.createdAt)!,
    },
    spec: check.spec,
    status: {
      summary,
      agents: states.map((s) => ({
        agent: s.agent,
        status: s.status,
        since: s.since,
        message: s.message,
        value: s.value,
        lastResultAt: s.lastResultAt,
        pending: s.pending,
      })),
    },
  };
}
