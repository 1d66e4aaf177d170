// Rows to wire documents.
import type { AgentView, CheckView, PendingView } from '../../contract/index.ts';
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

/** The pending problem with the API's time format (the row's times are PostgreSQL's JSON text). */
export function pendingView(pending: PendingView): PendingView {
  return pending && { ...pending, since: iso(pending.since)!, countsAt: iso(pending.countsAt)! };
}

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
        since: iso(s.since)!,
        message: s.message,
        value: s.value,
        lastResultAt: iso(s.lastResultAt),
        pending: pendingView(s.pending),
      })),
    },
  };
}
