// Whole-system reads for the dashboard and the Prometheus scrape: every state,
// every agent, a check's transitions, an agent's CPU history. Each is one
// query however many checks and agents there are (a scrape or a dashboard
// poll must not cost a query per series).
import { sql } from './sql.ts';
import { readHistory } from './history/read.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PendingProblem, StateStatus, Status } from '../domain/status.ts';

/** Seconds since the epoch; timestamps are read as numbers, not the driver's strings. */
type Epoch = number;

export interface StateFact {
  namespace: string;
  check: string;
  kind: string;
  agent: string;
  status: StateStatus;
  since: Epoch;
  value: number | null;
  message: string | null;
  lastResultAt: Epoch | null;
  /** The problem waiting for its `for:` window, or three nulls. */
  pendingStatus: PendingProblem['status'] | null;
  pendingSince: Epoch | null;
  pendingCountsAt: Epoch | null;
}

export interface AgentFact {
  name: string;
  labels: Record<string, string>;
  missing: boolean;
  lastSeenAt: Epoch | null;
  version: string | null;
}

export interface CheckFact {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  severity: string;
  intervalSpec: string | null;
}

/** Every state with its check and agent, in the order people read them. */
const everyState = sql`from "check_state" s join "check" c on c.id = s.check_id join "agent" a on a.id = s.agent_id
    order by c.namespace, c.name, a.name`;

/** Every (check, agent) state with the names people and Prometheus use. */
export async function allStates(em: EntityManager): Promise<StateFact[]> {
  const { rows } = await sql<StateFact>`
    select c.namespace, c.name as "check", c.kind, a.name as agent, s.status,
           extract(epoch from s.since)::float8 as since, s.value, s.message,
           extract(epoch from s.last_observed_at)::float8 as "lastResultAt", s.pending_status as "pendingStatus",
           extract(epoch from s.pending_since)::float8 as "pendingSince",
           extract(epoch from s.pending_counts_at)::float8 as "pendingCountsAt"
    ${everyState}`.execute(em.getKysely());
  return rows;
}

/** A state as the scrape writes it: the columns of its series only (no message, no last result time). */
export type ScrapeStateFact = Pick<
  StateFact,
  'namespace' | 'check' | 'kind' | 'agent' | 'status' | 'since' | 'value' | 'pendingStatus' | 'pendingCountsAt'
>;

/** Every (check, agent) state for /metrics: allStates' rows without the columns no series shows. */
export async function scrapeStates(em: EntityManager): Promise<ScrapeStateFact[]> {
  const { rows } = await sql<ScrapeStateFact>`
    select c.namespace, c.name as "check", c.kind, a.name as agent, s.status,
           extract(epoch from s.since)::float8 as since, s.value, s.pending_status as "pendingStatus",
           extract(epoch from s.pending_counts_at)::float8 as "pendingCountsAt"
    ${everyState}`.execute(em.getKysely());
  return rows;
}

export async function allAgents(em: EntityManager): Promise<AgentFact[]> {
  const { rows } = await sql<AgentFact>`
    select name, labels, missing, extract(epoch from last_seen_at)::float8 as "lastSeenAt", version
    from "agent" order by name`.execute(em.getKysely());
  return rows;
}

export async function allChecks(em: EntityManager): Promise<CheckFact[]> {
  const { rows } = await sql<CheckFact>`
    select id, namespace, name, kind, coalesce(spec->>'severity', 'critical') as severity,
           spec->>'interval' as "intervalSpec"
    from "check" order by namespace, name`.execute(em.getKysely());
  return rows;
}

export interface TransitionFact {
  agent: string;
  from: Status | null;
  to: Status;
  at: Epoch;
}

/**
 * A check's transitions since `from`, and each agent's status just before it
 * (the last earlier transition), so a timeline starts with the right colour.
 */
export async function checkTransitions(
  em: EntityManager,
  checkId: string,
  from: Date,
): Promise<{ before: Map<string, Status>; within: TransitionFact[] }> {
  const db = em.getKysely();
  const { rows: before } = await sql<{ agent: string; status: Status }>`
    select distinct on (t.agent_id) a.name as agent, t.to_status as status
    from "transition" t join "agent" a on a.id = t.agent_id
    where t.check_id = ${checkId} and t.at < ${from} order by t.agent_id, t.at desc`.execute(db);
  const { rows: within } = await sql<TransitionFact>`
    select a.name as agent, t.from_status as "from", t.to_status as "to", extract(epoch from t.at)::float8 as at
    from "transition" t join "agent" a on a.id = t.agent_id
    where t.check_id = ${checkId} and t.at >= ${from} order by t.at, t.id`.execute(db);
  return { before: new Map(before.map((r) => [r.agent, r.status])), within };
}

export interface CpuCheck {
  id: string;
  namespace: string;
  name: string;
  above: number | null;
  warnAbove: number | null;
}

/** The cpu checks this agent has reported on (it has a state for them). */
export async function agentCpuChecks(em: EntityManager, agentName: string): Promise<CpuCheck[]> {
  const { rows } = await sql<CpuCheck>`
    select c.id, c.namespace, c.name, (c.spec->'cpu'->>'above')::float8 as above,
           (c.spec->'cpu'->>'warnAbove')::float8 as "warnAbove"
    from "check" c join "check_state" s on s.check_id = c.id join "agent" a on a.id = s.agent_id
    where c.kind = 'cpu' and a.name = ${agentName} order by c.namespace, c.name`.execute(em.getKysely());
  return rows;
}

export interface CpuBucket {
  checkId: string;
  t: Epoch;
  avg: number;
  max: number;
}

export interface CpuResult {
  checkId: string;
  /** ms since the epoch */
  t: number;
  value: number;
}

/** The agent's results of these checks since `from` that have a value, oldest first (hot and compacted alike). */
export async function cpuResults(
  em: EntityManager,
  agentName: string,
  checkIds: readonly string[],
  from: Date,
  to: Date,
): Promise<CpuResult[]> {
  const db = em.getKysely();
  const { rows } = await sql<{ id: string }>`select id from "agent" where name = ${agentName}`.execute(db);
  if (rows.length === 0) return [];
  const all = await readHistory(db, {
    checkIds,
    agentId: rows[0]!.id,
    from: from.getTime(),
    to: to.getTime() + 86_400_000,
  }); // no upper bound, as before: a clock a little ahead
  return all.flatMap((r) => (r.value === null ? [] : [{ checkId: r.checkId, t: r.t, value: r.value }]));
}

/** Results averaged (and maxed) per bucket of `stepSeconds`, oldest first. */
export function cpuBuckets(results: readonly CpuResult[], stepSeconds: number): CpuBucket[] {
  const buckets = new Map<string, CpuBucket & { n: number; sum: number }>();
  for (const r of results) {
    const t = Math.floor(r.t / 1000 / stepSeconds) * stepSeconds;
    const key = `${r.checkId}/${t}`;
    const b = buckets.get(key);
    if (!b) buckets.set(key, { checkId: r.checkId, t, avg: r.value, max: r.value, n: 1, sum: r.value });
    else {
      b.n++;
      b.sum += r.value;
      b.max = Math.max(b.max, r.value);
    }
  }
  return [...buckets.values()]
    .map(({ checkId, t, max, n, sum }) => ({ checkId, t, avg: sum / n, max }))
    .sort((a, b) => a.t - b.t);
}

/** Notifications not yet sent (waiting, being sent, or waiting for a retry): the outbox's backlog. */
export async function outboxDepth(em: EntityManager): Promise<number> {
  const { rows } = await sql<{ depth: number }>`
    select count(*)::int as depth from "notification" where state in ('pending', 'sending')`.execute(em.getKysely());
  return rows[0]?.depth ?? 0;
}
