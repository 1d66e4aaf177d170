// The state machine: one (check, agent) pair, one result at a time.
// Pure: no I/O, no clock — every time comes in as an argument.
import { notFlapping, trackFlapping, type FlapEvent, type FlapState } from './flapping.ts';
import { capBySeverity, type PendingProblem, type Severity, type Status, type StateStatus } from './status.ts';

export interface CheckState extends FlapState {
  /** The effective state: what counts (PENDING while nothing does yet). */
  status: StateStatus;
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
  /** The problem the last result shows, while its `for:` window fills; null when none waits. */
  pending: PendingProblem | null;
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

/**
 * Apply one observation. Results older than the last one applied only go to
 * history. A problem under a `for:` window leaves the state as it was (or
 * PENDING when there is none yet) and is kept as `pending` until it counts.
 */
export function applyResult(previous: CheckState | null, obs: Observation, rules: EvaluationRules): Evaluated {
  if (previous?.lastObservedAt && obs.observedAt < previous.lastObservedAt)
    return { state: previous, transition: null, flap: null };
  const raw = capBySeverity(obs.status, rules.severity);
  const at = obs.observedAt;
  const runs = extendRuns(previous, raw, at);
  const counted = countedState(previous);
  const current = counted?.status ?? null;
  const next = nextStatus(current, raw, at, runs, rules.sustainMs);
  const changed = next !== (previous?.status ?? null);
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
    pending: pendingProblem(next, raw, runs, rules.sustainMs),
  };
  if (!changed || next === 'PENDING') return { state, transition: null, flap: flap.event };
  return { state, transition: resultTransition(counted, next, obs), flap: flap.event };
}

type Counted = CheckState & { status: Status };

/** PENDING is no state yet: what ends it is the pair's first transition, from nothing. */
function countedState(previous: CheckState | null): Counted | null {
  return previous && previous.status !== 'PENDING' ? (previous as Counted) : null;
}

/** The change of state one result makes from the state it ends (null: none counted yet). */
function resultTransition(counted: Counted | null, to: Status, obs: Observation): Transition {
  const { observedAt: at, value, message } = obs;
  return {
    from: counted?.status ?? null,
    previousSince: counted?.since ?? null,
    to,
    at,
    value,
    message,
    reason: 'result',
  };
}

type Runs = Pick<CheckState, 'warnSince' | 'critSince'>;

/** A run of bad results starts at its first result and ends at the first better one. */
function extendRuns(previous: CheckState | null, raw: Status, at: Date): Runs {
  return {
    warnSince: raw === 'WARNING' || raw === 'CRITICAL' ? (previous?.warnSince ?? at) : null,
    critSince: raw === 'CRITICAL' ? (previous?.critSince ?? at) : null,
  };
}

function nextStatus(current: Status | null, raw: Status, at: Date, runs: Runs, sustainMs: number): StateStatus {
  if (raw === 'OK' || raw === 'UNKNOWN') return raw; // recovery and "cannot tell" count at once
  const held = (since: Date | null): boolean => since !== null && at.getTime() - since.getTime() >= sustainMs;
  if (raw === 'CRITICAL' && held(runs.critSince)) return 'CRITICAL';
  if (held(runs.warnSince)) return 'WARNING';
  // Still pending: keep the current state, but never report worse than what is observed now.
  if (current === 'CRITICAL' && raw === 'WARNING') return 'WARNING';
  return current ?? 'PENDING';
}

/** The observed problem, when the state does not show it yet: it counts once its run fills the window. */
function pendingProblem(next: StateStatus, raw: Status, runs: Runs, sustainMs: number): PendingProblem | null {
  if ((raw !== 'WARNING' && raw !== 'CRITICAL') || next === raw) return null;
  const since = (raw === 'CRITICAL' ? runs.critSince : runs.warnSince)!;
  return { status: raw, since, countsAt: new Date(since.getTime() + sustainMs) };
}

/**
 * The agent stopped reporting: everything it ran becomes UNKNOWN. Runs of
 * bad results (and so pending problems) are forgotten, since nothing was
 * observed in between.
 */
export function markMissing(previous: CheckState, at: Date, message: string): Evaluated {
  const state: CheckState = { ...previous, warnSince: null, critSince: null, pending: null };
  if (previous.status === 'UNKNOWN') return { state, transition: null, flap: null };
  const next: CheckState = { ...state, status: 'UNKNOWN', since: at, message };
  const from = previous.status === 'PENDING' ? null : previous.status; // PENDING counted as nothing
  const transition: Transition = {
    from,
    previousSince: from === null ? null : previous.since,
    to: 'UNKNOWN',
    at,
    value: previous.value,
    message,
    reason: 'agent-missing',
  };
  return { state: next, transition, flap: null };
}
