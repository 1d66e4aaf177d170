// The ingest write: one transaction per batch of results from any number of
// agents, in two round trips to PostgreSQL whatever the batch size:
//   1. begin; insert the results (INSERT … SELECT unnest(…)) and lock the
//      states of their series;
//   2. write the evaluated states, transitions and outbox rows; commit.
// Round trips, not rows, are what a small batch costs: between two of them
// the server's event loop answers HTTP, so each one waits its turn. Hence the
// statements go as text with their values inlined (see inline-sql.ts), on a
// connection of MikroORM's own pool.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import { draftsFor } from '../domain/alerts.ts';
import { applyResult, type CheckState, type EvaluationRules, type Transition } from '../domain/evaluate.ts';
import type { Status } from '../domain/status.ts';
import { claimLocks, clampedClaims } from './history/claims.ts';
import { UNDEFINED_TABLE, beginIfLate } from './history/late.ts';
import { inlineSql } from './inline-sql.ts';
import { notificationsInsert, type OutboxRow } from './outbox.repository.ts';
import { sql, type Db } from './sql.ts';
import { stateColumns, toCheckState, type StateColumns } from './state-row.ts';

/** A result is its series and its observation time (ADR 10): a resend of it is stored once. */
export interface ResultItem {
  checkId: string;
  agentId: string;
  status: Status;
  value: number | null;
  message: string | null;
  observedAt: Date;
  /** The time the agent claimed, when its clock was off and `observedAt` is the receipt time (history/claims.ts). */
  claimedAt?: Date;
  /** How the check evaluates results (sustained window, severity), as of this post. */
  rules: EvaluationRules;
  /** The check's own mail recipients (spec.notify.email). */
  recipients: string[];
}

export interface BatchOutcome {
  /** The items this batch stored, by identity (not a resend, nor the second of one result posted twice). */
  stored: Set<ResultItem>;
  /** Items whose check or agent no longer exists (deleted on another replica): not stored, the rest is. */
  orphaned: Set<ResultItem>;
  transitions: number;
}

type Key = string; // `${checkId}/${agentId}`

/**
 * Two transactions that both see no state for a new series would both write
 * one, the second over the first. The second notices (its insert of the new
 * state finds a row) and the batch starts over, now finding that state.
 */
class NewStateTaken extends Error {}
const MAX_ATTEMPTS = 3;
/** A new state taken meanwhile, or a detached hour dropped under the late look-up (history/late.ts). */
const startsOver = (error: unknown): boolean =>
  error instanceof NewStateTaken || (error as { code?: string }).code === UNDEFINED_TABLE;

export async function writeBatch(
  em: EntityManager,
  items: readonly ResultItem[],
  receivedAt: Date,
): Promise<BatchOutcome> {
  const pool = await em.getConnection().getNativeClient();
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await writeOnce(client, em.getKysely(), items, receivedAt);
    } catch (error) {
      // A failed statement leaves the transaction aborted; a connection that cannot even roll back is dropped.
      await client.query('rollback').catch((rollbackError: unknown) => (broken = rollbackError as Error));
      if (!startsOver(error) || attempt === MAX_ATTEMPTS) throw error;
    } finally {
      client.release(broken);
    }
  }
}

async function writeOnce(
  client: PoolClient,
  db: Db,
  items: readonly ResultItem[],
  receivedAt: Date,
): Promise<BatchOutcome> {
  const firsts = firstOfEachResult(items);
  const late = await beginIfLate(client, db, [...firsts.values()], receivedAt); // null: no item is late, not begun
  for (const key of late ?? []) firsts.delete(key);
  const series = groupBySeries(items);
  const keys = [...series.keys()].sort();
  // Every series of the batch is locked, also those whose results all turn out to be retries
  // (rare): knowing which ones are new would take one more round trip.
  const fresh = [...firsts.values()];
  const statements = [late ? null : 'begin', claimLocks(fresh, db), inlineSql(insertAndLock(fresh, keys), db)];
  const replies = (await client.query(statements.filter(Boolean).join('; '))) as unknown as Reply | Reply[];
  const locked = Array.isArray(replies) ? replies.at(-1)! : replies; // one statement: one reply, not a list
  const { stored, orphaned, states } = readLocked(locked.rows[0], items, firsts);
  const existing = new Set(states.keys());
  const { changed, transitions, outbox } = evaluate(series, keys, stored, states);
  if (changed.length === 0) {
    await client.query('commit');
    return { stored, orphaned, transitions: 0 };
  }
  const updated = changed.filter((key) => existing.has(key));
  const created = changed.filter((key) => !existing.has(key));
  // The outbox rows go in the same transaction as the change that causes them.
  const write = inlineSql(
    sql`with updated as (${statesWrite(states, updated, receivedAt, 'update')}),
      created as (${statesWrite(states, created, receivedAt, 'create')} returning 1),
      moved as (${transitionsInsert(transitions)}),
      notified as (${notificationsInsert(outbox, receivedAt)})
      select count(*)::int as created from created`,
    db,
  );
  if (created.length === 0) await client.query(`${write}; commit`);
  else {
    // Only a batch that starts a series pays a third round trip: the commit waits for the count.
    const { rows } = await client.query<{ created: number }>(write);
    if (rows[0]!.created !== created.length) throw new NewStateTaken();
    await client.query('commit');
  }
  return { stored, orphaned, transitions: transitions.length };
}

/** Runs the state machine over the new results of each series, in key order and observation order. */
function evaluate(
  series: Map<Key, ResultItem[]>,
  keys: readonly Key[],
  stored: Set<ResultItem>,
  states: Map<Key, CheckState>,
) {
  const transitions: { key: Key; transition: Transition }[] = [];
  const outbox: OutboxRow[] = [];
  const changed: Key[] = [];
  for (const key of keys) {
    const fresh = series.get(key)!.filter((item) => stored.has(item));
    if (fresh.length === 0) continue;
    let state = states.get(key) ?? null;
    for (const result of fresh) {
      const evaluated = applyResult(state, result, result.rules);
      const { drafts, notifiedAt } = draftsFor(evaluated);
      state = { ...evaluated.state, notifiedAt };
      if (evaluated.transition) transitions.push({ key, transition: evaluated.transition });
      const target = { checkId: result.checkId, agentId: result.agentId, recipients: result.recipients };
      for (const draft of drafts) outbox.push({ ...draft, ...target });
    }
    states.set(key, state!);
    changed.push(key);
  }
  return { changed, transitions, outbox };
}

type Reply = { rows: [LockedRow] };
interface LockedRow {
  /** `agentId/id` of each row inserted. */
  stored: string[];
  /** The batch's checks and agents that still exist (locked against deletion until the commit). */
  live: string[];
  states: (StateColumns & { key: Key })[];
}

/**
 * Inserts the results (a retry's id is already there and is skipped) and
 * locks the existing states of these series, in key order so two servers
 * writing overlapping batches never deadlock. One statement: the states come
 * back as one JSON array, the stored ids as one array.
 *
 * A result whose check or agent was deleted meanwhile (another replica, a
 * catalogue not yet refreshed here) is left out rather than failing the
 * foreign key, and with it every other agent's post in this batch. The checks
 * and agents that remain are share-locked, so none is deleted before the commit
 * (a delete waits, then its cascade takes these results with it).
 */
function insertAndLock(unordered: readonly ResultItem[], keys: Key[]) {
  const [checks, agents] = splitKeys(keys);
  // In key order: two batches holding the same resent results take their index entries in one order.
  const items = unordered.toSorted(byResultKey);
  return sql`
    with live_checks as (
      select id from "check" where id = any(${[...new Set(checks)].sort()}::uuid[]) order by id for key share
    ), live_agents as (
      select id from "agent" where id = any(${[...new Set(agents)].sort()}::uuid[]) order by id for key share
    ), ${clampedClaims(items)} inserted as (
      insert into "check_result" (check_id, agent_id, observed_at, status, value, message)
      select u.* from unnest(
        ${items.map((i) => i.checkId)}::uuid[], ${items.map((i) => i.agentId)}::uuid[],
        ${items.map((i) => i.observedAt)}::timestamptz[], ${items.map((i) => i.status)}::text[],
        ${items.map((i) => i.value)}::float8[], ${items.map((i) => i.message)}::text[])
        as u(check_id, agent_id, observed_at, status, value, message)
      where u.check_id in (select id from live_checks) and u.agent_id in (select id from live_agents)
        ${items.some((i) => i.claimedAt) ? sql`and (u.check_id, u.agent_id, u.observed_at) not in (select * from resent)` : sql``}
      on conflict (check_id, agent_id, observed_at) do nothing
      returning check_id || '/' || agent_id || '/' || round(extract(epoch from observed_at) * 1000)::bigint as key
    ), locked as (
      select s.check_id || '/' || s.agent_id as key, ${stateColumns}
      from "check_state" s join unnest(${checks}::uuid[], ${agents}::uuid[]) as k(check_id, agent_id)
        on s.check_id = k.check_id and s.agent_id = k.agent_id
      -- Through live_checks: a check's row is share-locked before its states, the order a delete takes
      -- them in (check, then its cascade), so the two cannot deadlock.
      where s.check_id in (select id from live_checks)
      order by s.check_id, s.agent_id for update of s
    )
    select (select coalesce(array_agg(key), '{}') from inserted) as stored,
           (select coalesce(array_agg(id::text), '{}') from (select id from live_checks
              union all select id from live_agents) as l) as live,
           (select coalesce(json_agg(locked), '[]') from locked) as states`;
}

const resultKey = (i: ResultItem): string => `${i.checkId}/${i.agentId}/${i.observedAt.getTime()}`;

function byResultKey(a: ResultItem, b: ResultItem): number {
  if (a.checkId !== b.checkId) return a.checkId < b.checkId ? -1 : 1;
  if (a.agentId !== b.agentId) return a.agentId < b.agentId ? -1 : 1;
  return a.observedAt.getTime() - b.observedAt.getTime();
}

/** The first item of each (check, agent, observation time) goes to the database, a repeat is a duplicate. */
function firstOfEachResult(items: readonly ResultItem[]): Map<string, ResultItem> {
  const firsts = new Map<string, ResultItem>();
  for (const item of items) {
    const key = resultKey(item);
    if (!firsts.has(key)) firsts.set(key, item);
  }
  return firsts;
}

function readLocked(
  row: LockedRow,
  items: readonly ResultItem[],
  firsts: ReadonlyMap<string, ResultItem>,
): { stored: Set<ResultItem>; orphaned: Set<ResultItem>; states: Map<Key, CheckState> } {
  const live = new Set(row.live);
  return {
    stored: new Set(row.stored.map((key) => firsts.get(key)!)),
    orphaned: new Set(items.filter((item) => !live.has(item.checkId) || !live.has(item.agentId))),
    states: new Map(row.states.map(({ key, ...state }) => [key, toCheckState(state)])),
  };
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

/** The states of these series: `update` those locked at the start, `create` the new ones (skipped if taken). */
function statesWrite(states: Map<Key, CheckState>, keys: Key[], now: Date, mode: 'update' | 'create') {
  const [checks, agents] = splitKeys(keys);
  const list = keys.map((k) => states.get(k)!);
  const col = <T>(pick: (s: CheckState) => T): T[] => list.map(pick);
  const onConflict =
    mode === 'create'
      ? sql`do nothing`
      : sql`do update set status = excluded.status, since = excluded.since,
      value = excluded.value, message = excluded.message, last_observed_at = excluded.last_observed_at,
      warn_since = excluded.warn_since, crit_since = excluded.crit_since, last_raw = excluded.last_raw,
      change_bits = excluded.change_bits, flapping = excluded.flapping, notified_at = excluded.notified_at,
      pending_status = excluded.pending_status, pending_since = excluded.pending_since,
      pending_counts_at = excluded.pending_counts_at, updated_at = excluded.updated_at`;
  return sql`
    insert into "check_state" (check_id, agent_id, status, since, value, message, last_observed_at, warn_since,
                               crit_since, last_raw, change_bits, flapping, notified_at, pending_status,
                               pending_since, pending_counts_at, updated_at)
    select u.*, ${now}::timestamptz from unnest(${checks}::uuid[], ${agents}::uuid[], ${col((s) => s.status)}::text[],
      ${col((s) => s.since)}::timestamptz[], ${col((s) => s.value)}::float8[], ${col((s) => s.message)}::text[],
      ${col((s) => s.lastObservedAt)}::timestamptz[], ${col((s) => s.warnSince)}::timestamptz[],
      ${col((s) => s.critSince)}::timestamptz[], ${col((s) => s.lastRaw)}::text[], ${col((s) => s.changeBits)}::int[],
      ${col((s) => s.flapping)}::bool[], ${col((s) => s.notifiedAt)}::timestamptz[],
      ${col((s) => s.pending?.status ?? null)}::text[], ${col((s) => s.pending?.since ?? null)}::timestamptz[],
      ${col((s) => s.pending?.countsAt ?? null)}::timestamptz[]) as u
    on conflict (check_id, agent_id) ${onConflict}`;
}

function transitionsInsert(list: { key: Key; transition: Transition }[]) {
  const [checks, agents] = splitKeys(list.map((t) => t.key));
  const t = list.map((x) => x.transition);
  return sql`
    insert into "transition" (check_id, agent_id, from_status, to_status, at, value, message, reason)
    select * from unnest(${checks}::uuid[], ${agents}::uuid[], ${t.map((x) => x.from)}::text[],
      ${t.map((x) => x.to)}::text[], ${t.map((x) => x.at)}::timestamptz[], ${t.map((x) => x.value)}::float8[],
      ${t.map((x) => x.message)}::text[], ${t.map((x) => x.reason)}::text[])`;
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
