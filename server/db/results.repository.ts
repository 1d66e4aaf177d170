// The ingest write: one transaction per batch of results from any number of
// agents. Results go in with one INSERT … SELECT unnest(…); only the ones not
// stored before are evaluated; states and transitions are written with them.
import { sql, STATE_DATES, withDates, type Db } from './sql.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { draftsFor } from '../domain/alerts.ts';
import { applyResult, type CheckState, type EvaluationRules, type Transition } from '../domain/evaluate.ts';
import { insertNotifications, type OutboxRow } from './outbox.repository.ts';
import type { Status } from '../domain/status.ts';

export interface ResultItem {
  id: string;
  checkId: string;
  agentId: string;
  status: Status;
  value: number | null;
  message: string | null;
  observedAt: Date;
  /** How the check evaluates results (sustained window, severity), as of this post. */
  rules: EvaluationRules;
  /** The check's own mail recipients (spec.notify.email). */
  recipients: string[];
}

export interface BatchOutcome {
  /** Ids stored by this batch; the others were stored before (a retry). */
  stored: Set<string>;
  transitions: number;
}

type Key = string; // `${checkId}/${agentId}`

export async function writeBatch(
  em: EntityManager,
  items: readonly ResultItem[],
  receivedAt: Date,
): Promise<BatchOutcome> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    const stored = await insertResults(db, items, receivedAt);
    const fresh = items.filter((item) => stored.has(item.id));
    if (fresh.length === 0) return { stored, transitions: 0 };
    const series = groupBySeries(fresh);
    const states = await lockStates(db, [...series.keys()]);
    const transitions: { key: Key; transition: Transition }[] = [];
    const outbox: OutboxRow[] = [];
    for (const [key, results] of series) {
      let state = states.get(key) ?? null;
      for (const result of results) {
        const evaluated = applyResult(state, result, result.rules);
        const { drafts, notifiedAt } = draftsFor(evaluated);
        state = { ...evaluated.state, notifiedAt };
        if (evaluated.transition) transitions.push({ key, transition: evaluated.transition });
        const target = { checkId: result.checkId, agentId: result.agentId, recipients: result.recipients };
        for (const draft of drafts) outbox.push({ ...draft, ...target });
      }
      states.set(key, state!);
    }
    await saveStates(db, states, [...series.keys()], receivedAt);
    await insertTransitions(db, transitions);
    await insertNotifications(db, outbox, receivedAt); // the outbox: same transaction as the change
    return { stored, transitions: transitions.length };
  });
}

async function insertResults(db: Db, items: readonly ResultItem[], receivedAt: Date): Promise<Set<string>> {
  const { rows } = await sql<{ id: string }>`
    insert into "check_result" (id, check_id, agent_id, status, value, message, observed_at, received_at)
    select u.*, ${receivedAt}::timestamptz from unnest(
      ${items.map((i) => i.id)}::uuid[], ${items.map((i) => i.checkId)}::uuid[], ${items.map((i) => i.agentId)}::uuid[],
      ${items.map((i) => i.status)}::text[], ${items.map((i) => i.value)}::float8[],
      ${items.map((i) => i.message)}::text[], ${items.map((i) => i.observedAt)}::timestamptz[]) as u
    on conflict (id) do nothing returning id`.execute(db);
  return new Set(rows.map((r) => r.id));
}

function groupBySeries(items: readonly ResultItem[]): Map<Key, ResultItem[]> {
  const series = new Map<Key, ResultItem[]>();
  for (const item of items) {
    const key = `${item.checkId}/${item.agentId}`;
    const list = series.get(key);
    if (list) list.push(item);
    else series.set(key, [item]);
  }
  for (const list of series.values()) list.sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime());
  return series;
}

/** Lock in key order, so two servers writing overlapping batches never deadlock. */
async function lockStates(db: Db, keys: Key[]): Promise<Map<Key, CheckState>> {
  keys.sort();
  const [checks, agents] = splitKeys(keys);
  const { rows } = await sql<CheckState & { key: Key }>`
    select s.check_id || '/' || s.agent_id as key, status, since, value, message,
           last_observed_at as "lastObservedAt", warn_since as "warnSince", crit_since as "critSince",
           last_raw as "lastRaw", change_bits as "changeBits", flapping, notified_at as "notifiedAt"
    from "check_state" s join unnest(${checks}::uuid[], ${agents}::uuid[]) as k(check_id, agent_id)
      on s.check_id = k.check_id and s.agent_id = k.agent_id
    order by s.check_id, s.agent_id for update of s`.execute(db);
  return new Map(rows.map(({ key, ...state }) => [key, withDates(state, STATE_DATES)]));
}

async function saveStates(db: Db, states: Map<Key, CheckState>, keys: Key[], now: Date): Promise<void> {
  const [checks, agents] = splitKeys(keys);
  const list = keys.map((k) => states.get(k)!);
  const col = <T>(pick: (s: CheckState) => T): T[] => list.map(pick);
  await sql`
    insert into "check_state" (check_id, agent_id, status, since, value, message, last_observed_at, warn_since,
                               crit_since, last_raw, change_bits, flapping, notified_at, updated_at)
    select u.*, ${now}::timestamptz from unnest(${checks}::uuid[], ${agents}::uuid[], ${col((s) => s.status)}::text[],
      ${col((s) => s.since)}::timestamptz[], ${col((s) => s.value)}::float8[], ${col((s) => s.message)}::text[],
      ${col((s) => s.lastObservedAt)}::timestamptz[], ${col((s) => s.warnSince)}::timestamptz[],
      ${col((s) => s.critSince)}::timestamptz[], ${col((s) => s.lastRaw)}::text[], ${col((s) => s.changeBits)}::int[],
      ${col((s) => s.flapping)}::bool[], ${col((s) => s.notifiedAt)}::timestamptz[]) as u
    on conflict (check_id, agent_id) do update set status = excluded.status, since = excluded.since,
      value = excluded.value, message = excluded.message, last_observed_at = excluded.last_observed_at,
      warn_since = excluded.warn_since, crit_since = excluded.crit_since, last_raw = excluded.last_raw,
      change_bits = excluded.change_bits, flapping = excluded.flapping, notified_at = excluded.notified_at,
      updated_at = excluded.updated_at`.execute(db);
}

async function insertTransitions(db: Db, list: { key: Key; transition: Transition }[]): Promise<void> {
  if (list.length === 0) return;
  const [checks, agents] = splitKeys(list.map((t) => t.key));
  const t = list.map((x) => x.transition);
  await sql`
    insert into "transition" (check_id, agent_id, from_status, to_status, at, value, message, reason)
    select * from unnest(${checks}::uuid[], ${agents}::uuid[], ${t.map((x) => x.from)}::text[],
      ${t.map((x) => x.to)}::text[], ${t.map((x) => x.at)}::timestamptz[], ${t.map((x) => x.value)}::float8[],
      ${t.map((x) => x.message)}::text[], ${t.map((x) => x.reason)}::text[])`.execute(db);
}

function splitKeys(keys: readonly Key[]): [string[], string[]] {
  const checks: string[] = [];
  const agents: string[] = [];
  for (const key of keys) {
    const [check, agent] = key.split('/');
    checks.push(check!);
    agents.push(agent!);
  }
  return [checks, agents];
}
