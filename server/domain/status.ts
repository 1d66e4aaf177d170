// Result states follow the Nagios/Sensu convention.
export type Status = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export type Severity = 'critical' | 'warning';

/**
 * What a (check, agent) pair shows: a result state, or PENDING while it has
 * none yet — its first results are a problem still inside its `for:` window,
 * so nothing counts. Never a result's or a transition's state.
 */
export type StateStatus = Status | 'PENDING';

/** A problem waiting for its `for:` window: it counts (becomes the state) at `countsAt` if it lasts. */
export interface PendingProblem {
  status: 'WARNING' | 'CRITICAL';
  /** The first result of the run of bad results. */
  since: Date;
  countsAt: Date;
}

/** A check with `severity: warning` never pages as CRITICAL. */
export function capBySeverity(status: Status, severity: Severity): Status {
  return severity === 'warning' && status === 'CRITICAL' ? 'WARNING' : status;
}

export function isProblem(status: StateStatus): boolean {
  return status === 'WARNING' || status === 'CRITICAL';
}

export const statuses: readonly Status[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

export interface StateSummary {
  ok: number;
  warning: number;
  critical: number;
  unknown: number;
  pending: number;
}

/** Counts of what the agents show (a PENDING agent shows nothing yet) and of problems waiting for their window. */
export function stateSummary(states: readonly { status: StateStatus; pending: object | null }[]): StateSummary {
  const summary = { ok: 0, warning: 0, critical: 0, unknown: 0, pending: 0 };
  for (const s of states) {
    if (s.status !== 'PENDING') summary[s.status.toLowerCase() as Lowercase<Status>]++;
    if (s.pending) summary.pending++;
  }
  return summary;
}
