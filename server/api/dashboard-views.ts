// Rows to the dashboard's documents. Pure (time passed in), so the shapes a
// person sees are tested without a database.
import type { CpuHistory, Overview, Timeline, TimelineSegment } from '../../contract/dashboard.ts';
import type {
  AgentFact,
  CheckFact,
  CpuBucket,
  CpuCheck,
  StateFact,
  TransitionFact,
} from '../db/dashboard.repository.ts';
import type { StateStatus, Status } from '../domain/status.ts';

const iso = (epochSeconds: number): string => new Date(Math.round(epochSeconds * 1000)).toISOString();
const isoOrNull = (epochSeconds: number | null): string | null => (epochSeconds === null ? null : iso(epochSeconds));

export function overviewView(
  agents: readonly AgentFact[],
  checks: readonly CheckFact[],
  states: readonly StateFact[],
  now: Date,
): Overview {
  const byCheck = new Map<string, Overview['checks'][number]['states']>();
  for (const s of states) {
    const key = `${s.namespace}/${s.check}`;
    const list = byCheck.get(key) ?? [];
    list.push({
      agent: s.agent,
      status: s.status,
      since: iso(s.since),
      value: s.value,
      message: s.message,
      lastResultAt: isoOrNull(s.lastResultAt),
      pending: s.pendingStatus && {
        status: s.pendingStatus,
        since: iso(s.pendingSince!),
        countsAt: iso(s.pendingCountsAt!),
        message: s.message,
      },
    });
    byCheck.set(key, list);
  }
  return {
    generatedAt: now.toISOString(),
    agents: agents.map((a) => ({ ...a, lastSeenAt: isoOrNull(a.lastSeenAt) })),
    checks: checks.map((c) => ({
      namespace: c.namespace,
      name: c.name,
      kind: c.kind,
      severity: c.severity,
      interval: c.intervalSpec,
      states: byCheck.get(`${c.namespace}/${c.name}`) ?? [],
    })),
  };
}

/**
 * The overview as JSON text, by JSON.stringify rather than the route schema's
 * compiled serializer: the view has exactly the schema's properties in its
 * order (a test holds the two byte for byte), and at 20,000 states the
 * compiled serializer allocated 38 MiB of strings for the 3.3 MB document,
 * JSON.stringify the text alone (ADR 9).
 */
export function overviewJson(
  agents: readonly AgentFact[],
  checks: readonly CheckFact[],
  states: readonly StateFact[],
  now: Date,
): string {
  return JSON.stringify(overviewView(agents, checks, states, now));
}

export interface CurrentState {
  agent: string;
  status: StateStatus;
}

/**
 * Each agent's states over [from, to] as coloured segments. The status at
 * `from` is the last transition before it; without one (the check started
 * later, or history was pruned) the first transition's `from`, or, when
 * nothing changed in the window at all, the current state.
 */
export function timelineView(
  from: Date,
  to: Date,
  before: ReadonlyMap<string, Status>,
  within: readonly TransitionFact[],
  current: readonly CurrentState[],
): Timeline {
  const events = new Map<string, TransitionFact[]>();
  for (const agent of [...current.map((c) => c.agent), ...within.map((t) => t.agent)]) events.set(agent, []);
  for (const t of within) events.get(t.agent)!.push(t);
  // A PENDING agent has no state yet: no segment until its first transition.
  const now = new Map(current.flatMap((c) => (c.status === 'PENDING' ? [] : [[c.agent, c.status] as const])));
  const agents = [...events.keys()].sort();
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    agents: agents.map((agent) => {
      const list = events.get(agent)!;
      const start = before.get(agent) ?? (list.length > 0 ? list[0]!.from : (now.get(agent) ?? null));
      return { agent, segments: segments(from.getTime() / 1000, to.getTime() / 1000, start, list) };
    }),
  };
}

function segments(
  from: number,
  to: number,
  start: Status | null,
  events: readonly TransitionFact[],
): TimelineSegment[] {
  const out: { status: Status; from: number; to: number }[] = [];
  const close = (status: Status | null, begin: number, end: number): void => {
    if (!status || end <= begin) return;
    const last = out[out.length - 1];
    if (last && last.status === status && last.to === begin) last.to = end;
    else out.push({ status, from: begin, to: end });
  };
  let status = start;
  let at = from;
  for (const event of events) {
    const eventAt = Math.min(Math.max(event.at, from), to);
    close(status, at, eventAt);
    status = event.to;
    at = eventAt;
  }
  close(status, at, to);
  return out.map((s) => ({ status: s.status, from: iso(s.from), to: iso(s.to) }));
}

// Bucket widths a person reads easily; the smallest that keeps a chart under maxPoints.
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400];

/** Seconds per bucket so that the span with data (not the whole window) fills about maxPoints. */
export function bucketStep(from: Date, firstResult: number | null, to: Date, maxPoints = 300): number {
  const start = Math.max(from.getTime() / 1000, firstResult ?? to.getTime() / 1000);
  const span = Math.max(0, to.getTime() / 1000 - start);
  return NICE_STEPS.find((step) => span / step <= maxPoints) ?? NICE_STEPS[NICE_STEPS.length - 1]!;
}

/** One time axis for all of an agent's cpu checks (uPlot wants aligned arrays), nulls where a check has no bucket. */
export function cpuHistoryView(
  from: Date,
  to: Date,
  stepSeconds: number,
  checks: readonly CpuCheck[],
  buckets: readonly CpuBucket[],
): CpuHistory {
  const t = [...new Set(buckets.map((b) => b.t))].sort((a, b) => a - b);
  const index = new Map(t.map((time, i) => [time, i]));
  const series = checks.map((check) => ({
    namespace: check.namespace,
    name: check.name,
    above: check.above,
    warnAbove: check.warnAbove,
    avg: new Array<number | null>(t.length).fill(null),
    max: new Array<number | null>(t.length).fill(null),
  }));
  const byId = new Map(checks.map((check, i) => [check.id, series[i]!]));
  for (const bucket of buckets) {
    const target = byId.get(bucket.checkId);
    const i = index.get(bucket.t)!;
    if (!target) continue;
    target.avg[i] = round(bucket.avg);
    target.max[i] = round(bucket.max);
  }
  return { from: from.toISOString(), to: to.toISOString(), stepSeconds, t, checks: series };
}

const round = (n: number): number => Math.round(n * 100) / 100;
