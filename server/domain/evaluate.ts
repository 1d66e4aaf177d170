// The state machine: one (check, agent) pair, one result at a time.
// Pure: no I/O, no clock — every time comes in as an argument.
import { notFlapping, trackFlapping, type FlapEvent, type FlapState } from './flapping.ts';
import { capBySeverity, type Severity, type Status } from './status.ts';

export interface CheckState extends FlapState {
  status: Status;
  since: Date;
  value: number | null;
  message: string | null;
  lastObservedAt: Date | null;
  /** Start of the current run of results at WARNING or worse (for sustained windows). */
  warnSince: Date | null;
  /** Start of the current run of CRITICAL results. */
  critSince: Date | null;
  /** When the last problem mail (or reminder) for this state was queued; null when none is open. */
  notifiedAt: Date | null;
}

export interface Observation {
  status: Status;
  value: number | null;
  message: string | null;
  observedAt: Date;
}

export interface EvaluationRules {
  /** A problem counts only once every result for this long was a problem (`for:`); 0 = at once. */
  sustainMs: number;
  severity: Severity;
}

export type TransitionReason = 'result' | 'agent-missing';

export interface Transition {
  from: Status | null;
  /** When the state that ended here began (for "resolved after 12m"). */
  previousSince: Date | null;
  to: Status;
  at: Date;
  value: number | null;
  message: string | null;
  reason: TransitionReason;
}

export interface Evaluated {
  state: CheckState;
  transition: Transition | null;
  /** The check started or stopped flapping with this result. */
  flap: FlapEvent;
}

/** Apply one observation. Results older than the last one applied only go to history. */
export function applyResult(previous: CheckState | null, obs: Observation, rules: EvaluationRules): Evaluated {
  if (previous?.lastObservedAt && obs.observedAt < previous.lastObservedAt)
    return { state: previous, transition: null, flap: null };
  const raw = capBySeverity(obs.status, rules.severity);
  const at = obs.observedAt;
  const runs = extendRuns(previous, raw, at);
  const current = previous?.status ?? null;
  const next = nextStatus(current, raw, at, runs, rules.sustainMs);
  const changed = next !== current;
  const since = changed || !previous ? at : previous.since;
  const flap = trackFlapping(previous ?? notFlapping, raw);
  const state: CheckState = {
    ...flap.state,
    notifiedAt: previous?.notifiedAt ?? null,
    status: next,
    since,
    value: obs.value,
    message: obs.message,
    lastObservedAt: at,
    ...runs,
  };
  if (!changed) return { state, transition: null, flap: flap.event };
  const previousSince = previous?.since ?? null;
  return {
    state,
    transition: {
      from: current,
      previousSince,
      to: next,
      at,
      value: obs.value,
      message: obs.message,
      reason: 'result',
    },
    flap: flap.event,
  };
}

/** A run of bad results starts at its first result and ends at the first better one. */
function extendRuns(previous: CheckState | null, raw: Status, at: Date): Pick<CheckState, 'warnSince' | 'critSince'> {
  return {
    warnSince: raw === 'WARNING' || raw === 'CRITICAL' ? (previous?.warnSince ?? at) : null,
    critSince: raw === 'CRITICAL' ? (previous?.critSince ?? at) : null,
  };
}

function nextStatus(
  current: Status | null,
  raw: Status,
  at: Date,
  runs: { warnSince: Date | null; critSince: Date | null },
  sustainMs: number,
): Status {
  if (raw === 'OK' || raw === 'UNKNOWN') return raw; // recovery and "cannot tell" count at once
  const held = (since: Date | null): boolean => since !== null && at.getTime() - since.getTime() >= sustainMs;
  if (raw === 'CRITICAL' && held(runs.critSince)) return 'CRITICAL';
  if (held(runs.warnSince)) return 'WARNING';
  // Still pending: keep the current state, but never report worse than what is observed now.
  if (current === 'CRITICAL' && raw === 'WARNING') return 'WARNING';
  return current ?? 'UNKNOWN';
}

/**
 * The agent stopped reporting: everything it ran becomes UNKNOWN. Runs of
 * bad results are forgotten, since nothing was observed in between.
 */
export function markMissing(previous: CheckState, at: Date, message: string): Evaluated {
  const state: CheckState = { ...previous, warnSince: null, critSince: null };
  if (previous.status === 'UNKNOWN') return { state, transition: null, flap: null };
  const next: CheckState = { ...state, status: 'UNKNOWN', since: at, message };
  const transition: Transition = {
    from: previous.status,
    previousSince: previous.since,
    to: 'UNKNOWN',
    at,
    value: previous.value,
    message,
    reason: 'agent-missing',
  };
  return { state: next, transition, flap: null };
}
