// Compaction: a hot table that no longer takes results (a detached hour, or
// a swapped-out default partition of late results) is folded into blocks
// some series at a time (about ROWS_PER_TRANSACTION rows: the embedded
// database has one session, so a long transaction would hold ingest up),
// each its own transaction, then dropped.
// A crash half-way leaves the table to be folded again: folding is idempotent.
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type Db, type RawBuilder } from '../sql.ts';
import { foldIntoBlocks, type HotRow, type SeriesKey } from './blocks.ts';
import { dropTable } from './partitions.ts';

const ROWS_PER_TRANSACTION = 50_000;

export interface Compacted {
  results: number;
  blocks: number;
  /** Rows older than the retention cutoff (kept by a migration from before it): dropped with the table. */
  expired: number;
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

export async function compactTable(
  em: EntityManager,
  table: string,
  cutoff: Date,
  lock: (db: Db) => Promise<boolean>,
): Promise<Compacted | null> {
  const { rows: series } = await sql<SeriesKey & { n: number }>`
    select check_id as "checkId", agent_id as "agentId", count(*)::int as n from ${sql.id(table)} group by 1, 2`.execute(
    em.getKysely(),
  );
  const done: Compacted = { results: 0, blocks: 0, expired: 0 };
  for (const chunk of chunks(series, ROWS_PER_TRANSACTION)) {
    const ok = await em.transactional(async (tx) => {
      const db = tx.getKysely();
      if (!(await lock(db))) return false;
      const { rows } = await sql<HotRow>`${hotRowsSql(table)}
        join unnest(${chunk.map((s) => s.checkId)}::uuid[], ${chunk.map((s) => s.agentId)}::uuid[]) as k(check_id, agent_id)
          on r.check_id = k.check_id and r.agent_id = k.agent_id`.execute(db);
      const live = rows.filter((r) => r.t >= cutoff.getTime());
      done.expired += rows.length - live.length;
      done.results += live.length;
      done.blocks += await foldIntoBlocks(db, live);
      return true;
    });
    if (!ok) return null; // another server is at it
  }
  await em.transactional(async (tx) => {
    const db = tx.getKysely();
    if (await lock(db)) await dropTable(db, table);
  });
  return done;
}
