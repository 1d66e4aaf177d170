// Reading history: the hot table (its attached hours and default partition),
// hot tables detached and waiting to be compacted, and blocks, merged into one
// list. A result being compacted is in two places for a moment: it is the
// same result, so it is read once.
import { sql, type Db } from '../sql.ts';
import { decodeBlock } from './codec.ts';
import { hotRowsSql } from './compaction.ts';
import type { HotRow } from './blocks.ts';
import { HOUR_MS, hotTables, hourOf } from './partitions.ts';

export interface HistoryQuery {
  checkIds: readonly string[];
  /** One agent, or every agent. */
  agentId: string | null;
  /** Milliseconds: from inclusive, to exclusive. */
  from: number;
  to: number;
}

/** A result's place in newest-first order: time, then agent id (descending). */
export interface Position {
  t: number;
  agentId: string;
}

const UNDEFINED_TABLE = '42P01';

/** A table listed a moment ago may be gone (compacted): read again, it is in blocks now. */
async function retried<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if ((error as { code?: string }).code !== UNDEFINED_TABLE || attempt === 3) throw error;
    }
  }
}

function seriesFilter(q: HistoryQuery) {
  return sql`r.check_id = any(${q.checkIds}::uuid[]) ${q.agentId ? sql`and r.agent_id = ${q.agentId}` : sql``}
    and r.observed_at >= ${new Date(q.from)} and r.observed_at < ${new Date(q.to)}`;
}

/**
 * Hot rows in the range, newest first, at most `limit` (null: all) and before
 * `after`. The attached table is read before the detached ones are listed: an
 * hour detached in between is then read twice (once kept), never missed, and
 * one dropped in between was folded first (blocks are read last).
 */
async function hotRows(db: Db, q: HistoryQuery, limit: number | null, after: Position | null): Promise<HotRow[]> {
  const read = (table: string) =>
    sql<HotRow>`${hotRowsSql(table)} where ${seriesFilter(q)}
      ${after ? sql`and (r.observed_at, r.agent_id) < (${new Date(after.t)}, ${after.agentId}::uuid)` : sql``}
      order by r.observed_at desc, r.agent_id desc ${limit === null ? sql`` : sql`limit ${limit}`}`.execute(db);
  const out = (await read('check_result')).rows;
  for (const table of (await hotTables(db)).filter((t) => !t.attached)) {
    // Not push(...rows): spread arguments overflow the stack at a few hundred thousand rows (server-kill test).
    for (const row of (await read(table.name)).rows) out.push(row);
  }
  return out;
}

/** Blocks of whole hours, newest hours first: `hours` of them from before `before` (ms). */
async function blockRows(
  db: Db,
  q: HistoryQuery,
  before: number,
  hours: number | null,
): Promise<{ rows: HotRow[]; oldest: number | null }> {
  const { rows } = await sql<{ checkId: string; agentId: string; bucket: number; data: Buffer }>`
    with hours as (
      select distinct b.bucket from "result_block" b
      where b.check_id = any(${q.checkIds}::uuid[]) ${q.agentId ? sql`and b.agent_id = ${q.agentId}` : sql``}
        and b.bucket >= ${new Date(hourOf(q.from))} and b.bucket < ${new Date(before)}
      order by b.bucket desc ${hours === null ? sql`` : sql`limit ${hours}`}
    )
    select b.check_id as "checkId", b.agent_id as "agentId", round(extract(epoch from b.bucket) * 1000)::float8 as bucket, b.data
    from "result_block" b join hours h on h.bucket = b.bucket
    where b.check_id = any(${q.checkIds}::uuid[]) ${q.agentId ? sql`and b.agent_id = ${q.agentId}` : sql``}`.execute(
    db,
  );
  const out: HotRow[] = [];
  let oldest: number | null = null;
  for (const block of rows) {
    oldest = oldest === null ? block.bucket : Math.min(oldest, block.bucket);
    for (const r of decodeBlock(block.data, block.bucket))
      if (r.t >= q.from && r.t < q.to) out.push({ checkId: block.checkId, agentId: block.agentId, ...r });
  }
  return { rows: out, oldest };
}

const newestFirst = (a: HotRow, b: HotRow): number =>
  b.t - a.t || (a.agentId < b.agentId ? 1 : a.agentId > b.agentId ? -1 : 0) || (a.checkId < b.checkId ? 1 : -1);

function unique(rows: readonly HotRow[]): HotRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.checkId}/${r.agentId}/${r.t}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const isBefore = (r: HotRow, p: Position): boolean => r.t < p.t || (r.t === p.t && r.agentId < p.agentId);

/** Every result in the range, oldest first (charts: a week of one agent's CPU is ~20,000 results). */
export function readHistory(db: Db, q: HistoryQuery): Promise<HotRow[]> {
  return retried(async () => {
    const hot = await hotRows(db, q, null, null);
    const { rows } = await blockRows(db, q, q.to, null);
    return unique([...hot, ...rows]).sort((a, b) => -newestFirst(a, b));
  });
}

/**
 * The newest `limit` results of the range older than `after` (a cursor),
 * newest first, and whether there are more. Blocks are read an hour-page at
 * a time until the page is full: a busy check needs one or two round trips.
 */
export function pageHistory(
  db: Db,
  q: HistoryQuery,
  limit: number,
  after: Position | null,
): Promise<{ rows: HotRow[]; more: boolean }> {
  return retried(async () => {
    const hot = await hotRows(db, q, limit + 1, after);
    let found = hot;
    let before = after ? Math.min(q.to, hourOf(after.t) + HOUR_MS) : q.to;
    for (let hours = 6; ; hours *= 4) {
      const { rows, oldest } = await blockRows(db, q, before, hours);
      found = unique([...found, ...rows.filter((r) => !after || isBefore(r, after))]).sort(newestFirst);
      // Every result from `oldest` on is read now: enough of them fill the page.
      if (oldest === null || found.filter((r) => r.t >= oldest).length > limit) break;
      before = oldest;
    }
    return { rows: found.slice(0, limit), more: found.length > limit };
  });
}
