// Compaction: a hot table that no longer takes results (a detached hour, or
// a swapped-out default partition of late results) is folded into blocks
// some series at a time (about ROWS_PER_TRANSACTION rows: the embedded
// database has one session, so a long transaction would hold ingest up),
// each its own transaction, then dropped.
// A crash half-way leaves the table to be folded again: folding is idempotent.
// It runs on the server's event loop on the embedded database, and in a
// worker thread on a connection of its own on PostgreSQL (fold-thread.ts).
import { sql, type Db, type RawBuilder } from '../sql.ts';
import { foldIntoBlocks, type HotRow, type SeriesKey } from './blocks.ts';
import { dropTable } from './partitions.ts';

const ROWS_PER_TRANSACTION = 50_000;
const LOCK_HISTORY = 0x76696c02; // the retention sweep's lock, as before

/** The upkeep's lock, for this transaction: with several servers on one database, one keeps history at a time. */
export async function tryHistoryLock(db: Db): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${LOCK_HISTORY}) as ok`.execute(db);
  return rows[0]?.ok === true;
}

export interface Compacted {
  results: number;
  blocks: number;
  /** Rows older than the retention cutoff (kept by a migration from before it): dropped with the table. */
  expired: number;
}

/** A connection to fold on: statements outside a transaction, and transactions. */
export interface FoldDb {
  db: Db;
  transaction<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

/** Hot rows as the blocks take them: times in ms. */
export function hotRowsSql(table: string): RawBuilder<HotRow> {
  return sql<HotRow>`select r.check_id as "checkId", r.agent_id as "agentId",
      round(extract(epoch from r.observed_at) * 1000)::float8 as t, r.status, r.value, r.message
    from ${sql.id(table)} r`;
}

/** Consecutive runs of series holding about `rows` rows each (a series is never split). */
function chunks<T extends { n: number }>(series: readonly T[], rows: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const s of series) {
    if (current.length > 0 && size + s.n > rows) {
      out.push(current);
      [current, size] = [[], 0];
    }
    current.push(s);
    size += s.n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Folds `table` into blocks and drops it; null when another server holds the lock. */
export async function compactTable(fold: FoldDb, table: string, cutoff: number): Promise<Compacted | null> {
  const { rows: series } = await sql<SeriesKey & { n: number }>`
    select check_id as "checkId", agent_id as "agentId", count(*)::int as n from ${sql.id(table)} group by 1, 2`.execute(
    fold.db,
  );
  const done: Compacted = { results: 0, blocks: 0, expired: 0 };
  for (const chunk of chunks(series, ROWS_PER_TRANSACTION)) {
    const ok = await fold.transaction(async (db) => {
      if (!(await tryHistoryLock(db))) return false;
      const { rows } = await sql<HotRow>`${hotRowsSql(table)}
        join unnest(${chunk.map((s) => s.checkId)}::uuid[], ${chunk.map((s) => s.agentId)}::uuid[]) as k(check_id, agent_id)
          on r.check_id = k.check_id and r.agent_id = k.agent_id`.execute(db);
      const live = rows.filter((r) => r.t >= cutoff);
      done.expired += rows.length - live.length;
      done.results += live.length;
      done.blocks += await foldIntoBlocks(db, live);
      return true;
    });
    if (!ok) return null; // another server is at it
  }
  const dropped = await fold.transaction(async (db) => {
    if (!(await tryHistoryLock(db))) return false;
    await dropTable(db, table);
    return true;
  });
  return dropped ? done : null;
}
