// Late data at ingest (ADR 10): a result of an hour before this one may be
// stored already outside the attached partitions, where the hot table's key
// cannot see it: in a block, or in a hot table detached and not yet folded and
// dropped. Such a resend is a duplicate. Only a batch with late items pays for
// this (an agent resending after an outage, the first minutes of an hour).
//
// The batch's transaction starts here and first takes a lock on the hot table
// that a detach waits for, so the detached tables listed next stay all there
// are until it commits: a result cannot move out of reach of the key between
// this look-up and the insert. A detached table dropped meanwhile (its fold
// committed, so its results are in blocks) fails the look-up with
// UNDEFINED_TABLE, and the batch starts over.
import type { PoolClient } from 'pg';
import { inlineSql } from '../inline-sql.ts';
import { sql, type Db } from '../sql.ts';
import { blockKeys, blocksAtSql, heldIn, type Block } from './blocks.ts';
import { hotTablesSql, hourOf } from './partitions.ts';

export interface LateItem {
  checkId: string;
  agentId: string;
  observedAt: Date;
}

export const UNDEFINED_TABLE = '42P01';

/** The statement that finds which of these items a detached hot table holds, as `check/agent/t`. */
function inDetached(tables: readonly string[], items: readonly LateItem[]) {
  const keys = sql`unnest(${items.map((i) => i.checkId)}::uuid[], ${items.map((i) => i.agentId)}::uuid[],
    ${items.map((i) => i.observedAt)}::timestamptz[]) as k(check_id, agent_id, observed_at)`;
  const each = tables.map(
    (
      table,
    ) => sql`select r.check_id || '/' || r.agent_id || '/' || round(extract(epoch from r.observed_at) * 1000)::bigint as key
      from ${sql.id(table)} r join ${keys}
      on r.check_id = k.check_id and r.agent_id = k.agent_id and r.observed_at = k.observed_at`,
  );
  return sql<{ key: string }>`${sql.join(each, sql` union all `)}`;
}

/**
 * For a batch with items of an hour before this one: begins its transaction
 * and returns the keys (`check/agent/t`) of those already stored in blocks or
 * detached hot tables, in one round trip (two while a detached hour waits for
 * its fold). Null, and nothing begun, when no item is late.
 */
export async function beginIfLate(
  client: PoolClient,
  db: Db,
  items: readonly LateItem[],
  receivedAt: Date,
): Promise<Set<string> | null> {
  const late = items.filter((i) => i.observedAt.getTime() < hourOf(receivedAt.getTime()));
  if (late.length === 0) return null;
  const keys = blockKeys(late.map((i) => ({ checkId: i.checkId, agentId: i.agentId, t: i.observedAt.getTime() })));
  const results = (await client.query(
    [
      'begin',
      'lock table "check_result" in access share mode',
      inlineSql(hotTablesSql(), db),
      inlineSql(blocksAtSql(keys, false), db),
    ].join('; '),
  )) as unknown as [unknown, unknown, { rows: { name: string; attached: boolean }[] }, { rows: Block[] }];
  const held = heldIn(results[3].rows);
  const detached = results[2].rows.filter((t) => !t.attached).map((t) => t.name);
  if (detached.length > 0) {
    const { rows } = await client.query<{ key: string }>(inlineSql(inDetached(detached, late), db));
    for (const { key } of rows) held.add(key);
  }
  return held;
}
