// Does this need a notification? Pure decisions over evaluations, silences and time.
import { backoffDelayMs } from '../../contract/backoff.ts';
import type { Evaluated } from './evaluate.ts';
import { isProblem, type StateStatus, type Status } from './status.ts';

export type NotificationKind =
  | 'problem'
  | 'resolved'
  | 'reminder'
  | 'flapping'
  | 'flapping-ended'
  | 'agent-missing'
  | 'agent-back'
  | 'silence-ended';

export interface NotificationDraft {
  kind: NotificationKind;
  status: Status;
  previous: Status | null;
  at: Date;
  value: number | null;
  message: string | null;
  /** For `resolved`: how long the problem lasted. */
  outageMs: number | null;
}

/**
 * The mails one evaluation asks for, and the state's new `notifiedAt` (the
 * reminder clock). A flapping check sends one "flapping" mail and then stays
 * quiet until it settles; agent-missing transitions mail per agent, not per check.
 * A pending problem (its `for:` window filling) makes no transition, so no mail:
 * the problem mail goes when it counts.
 */
export function draftsFor(ev: Evaluated): { drafts: NotificationDraft[]; notifiedAt: Date | null } {
  const { state, transition, flap } = ev;
  const base = {
    status: shownStatus(state),
    at: transition?.at ?? state.lastObservedAt ?? state.since,
    value: state.value,
  };
  if (flap === 'started') {
    return {
      drafts: [{ ...base, kind: 'flapping', previous: null, message: state.message, outageMs: null }],
      notifiedAt: base.at,
    };
  }
  if (flap === 'stopped') {
    const draft: NotificationDraft = {
      ...base,
      kind: 'flapping-ended',
      previous: null,
      message: state.message,
      outageMs: null,
    };
    return { drafts: [draft], notifiedAt: isProblem(state.status) ? base.at : null };
  }
  if (!transition || state.flapping || transition.reason === 'agent-missing') {
    return { drafts: [], notifiedAt: state.notifiedAt };
  }
  const common = { at: transition.at, value: transition.value, message: transition.message, previous: transition.from };
  if (isProblem(transition.to)) {
    return {
      drafts: [{ ...common, kind: 'problem', status: transition.to, outageMs: null }],
      notifiedAt: transition.at,
    };
  }
  if (transition.to === 'OK' && transition.from !== null && isProblem(transition.from)) {
    const outageMs = transition.previousSince ? transition.at.getTime() - transition.previousSince.getTime() : null;
    return { drafts: [{ ...common, kind: 'resolved', status: 'OK', outageMs }], notifiedAt: null };
  }
  return { drafts: [], notifiedAt: isProblem(transition.to) ? state.notifiedAt : null };
}

/** A pair with no state yet (PENDING) shows the problem it waits on: a flapping mail names that one. */
function shownStatus(state: Evaluated['state']): Status {
  return state.status === 'PENDING' ? (state.pending?.status ?? 'UNKNOWN') : state.status;
}

/**
 * An `agents: any` check moved to another agent, and the state the previous
 * agent left is dropped. If its problem was mailed and never resolved, say
 * that this agent no longer runs the check: the open problem gets its ending
 * (the new agent's own results mail for themselves).
 */
export function handOverDraft(
  dropped: { status: StateStatus; since: Date; notifiedAt: Date | null },
  toAgent: string,
  now: Date,
): NotificationDraft | null {
  if (dropped.notifiedAt === null) return null;
  return {
    kind: 'resolved',
    status: 'OK',
    previous: dropped.status === 'PENDING' ? null : dropped.status, // (mailed only by a flapping mail)
    at: now,
    value: null,
    message: `no longer checked here: agent ${toAgent} runs this check now`,
    outageMs: Math.max(0, now.getTime() - dropped.since.getTime()),
  };
}

/** A problem still open past its repeat interval gets a reminder. */
export function reminderDue(
  state: { status: Status; flapping: boolean; notifiedAt: Date | null },
  repeatMs: number,
  now: Date,
): boolean {
  if (!isProblem(state.status) || state.flapping || state.notifiedAt === null) return false;
  return now.getTime() - state.notifiedAt.getTime() >= repeatMs;
}

export interface SilenceMatchers {
  check?: string;
  namespace?: string;
  agent?: string;
  /** Matched against the agent's and the check's labels together. */
  labels?: Record<string, string>;
}

export interface Silence {
  matchers: SilenceMatchers;
  startsAt: Date;
  endsAt: Date;
}

export interface AlertTarget {
  check: string | null;
  namespace: string | null;
  agent: string | null;
  labels: Record<string, string>;
}

/** Alertmanager semantics: every matcher given must match; a silence with no matchers silences nothing. */
export function silenceMatches(silence: Silence, target: AlertTarget, at: Date): boolean {
  if (at < silence.startsAt || at >= silence.endsAt) return false;
  const m = silence.matchers;
  const given = [m.check, m.namespace, m.agent, m.labels].filter((x) => x !== undefined);
  if (given.length === 0) return false;
  if (m.check !== undefined && m.check !== target.check) return false;
  if (m.namespace !== undefined && m.namespace !== target.namespace) return false;
  if (m.agent !== undefined && m.agent !== target.agent) return false;
  return Object.entries(m.labels ?? {}).every(([k, v]) => target.labels[k] === v);
}

/** Temporary SMTP failures (no reply, or a 4xx reply) are retried; 5xx replies are final. */
export function isPermanentSmtpFailure(responseCode: number | undefined): boolean {
  return responseCode !== undefined && responseCode >= 500 && responseCode < 600;
}

/**
 * An HTTP receiver's answer that no retry can change: a 4xx other than 408
 * (request timeout) and 429 (too many requests), or a redirect (not followed:
 * the server calls only the URLs it was configured with). 5xx is retried.
 */
export function isPermanentHttpFailure(status: number): boolean {
  if (status === 408 || status === 429) return false;
  return (status >= 300 && status < 500) || status < 200;
}

/**
 * A notification's next attempt after `attempts` failed ones: the project's
 * backoff (jittered, so many rows failing at once do not retry together).
 * `random` is passed in to keep this pure.
 */
export function retryDelayMs(attempts: number, random: () => number, baseMs = 5_000, capMs = 10 * 60_000): number {
  return backoffDelayMs(Math.max(0, attempts - 1), baseMs, capMs, random);
}
