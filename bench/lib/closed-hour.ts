// A closed hour for the ingest soak (`--long`, issue 16) to fold while it
// runs: at 16,700 results/s the server folds an hour of results once an hour,
// and the soak's p99 must hold through it. A 10-minute run meets a real hour's
// end only if started at the right minute, so the hour is staged instead:
// PostgreSQL writes it (the results of `series` series of agents of its own,
// one every 30 s, a cpu-like value and a message restating it, as in
// bench/compaction.ts) into a table the server does not know, before the
// load starts; `release()` renames it to a detached hour's name (two hours
// ago), and the server's upkeep (every 30 s) folds it as it folds any closed
// hour. `watch()` tells when the fold held the table: the first and last time
// a session other than ours was seen holding a lock on it (the fold reads it
// a chunk at a time), and when it was dropped.
import pg from 'pg';
import { HOUR_MS, hourOf, hourPartition } from '../../server/db/history/partitions.ts';

const STAGED = 'bench_closed_hour';
const PER_SERIES = 120; // one result every 30 s
const CHECKS_PER_AGENT = 20;
const POLL_MS = 200;

export interface ClosedHour {
  results: number;
  /** Makes it a detached hour: the upkeep folds it within 30 s. */
  release(): Promise<void>;
  /** Resolves once the fold dropped it: when the fold was first and last seen at it (ms since the epoch). */
  folded(timeoutMs: number): Promise<{ from: number; to: number; droppedAt: number }>;
  close(): Promise<void>;
}

export async function stageClosedHour(databaseUrl: string, series: number): Promise<ClosedHour> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'vilicus bench closed hour' });
  await client.connect();
  const hour = hourOf(Date.now()) - 2 * HOUR_MS;
  const name = hourPartition(hour);
  const agents = Math.ceil(series / CHECKS_PER_AGENT);
  await client.query(`insert into "agent" (id, name, labels, token_hash, created_at)
    select gen_random_uuid(), 'closed-hour-' || n, '{}', 'closed-hour-' || n, now() from generate_series(1, ${agents}) n`);
  await client.query(`insert into "check" (id, namespace, name, kind, spec, labels, created_at, updated_at)
    select gen_random_uuid(), 'default', 'closed-hour-cpu-' || n, 'cpu', '{"cpu":{"above":90}}', '{}', now(), now()
    from generate_series(1, ${CHECKS_PER_AGENT}) n`);
  await client.query(`create table "${STAGED}" (like "check_result" including defaults)`);
  // Filled first, then keyed as an hour's partition is (its key is what the fold reads series by).
  const filled = await client.query(
    `insert into "${STAGED}" (check_id, agent_id, observed_at, status, value, message)
    select c.id, a.id, $1::timestamptz + make_interval(secs => t * 30 + (hashtext(a.id::text) & 15)),
      case when v > 95 then 'CRITICAL' else 'OK' end, v, 'CPU ' || v || '% busy'
    from (select id from "agent" where starts_with(name, 'closed-hour-')) a
    cross join (select id from "check" where starts_with(name, 'closed-hour-cpu-')) c
    cross join generate_series(0, ${PER_SERIES - 1}) t
    cross join lateral (select round((random() * 100)::numeric, 1)::float8 as v) r`,
    [new Date(hour)],
  );
  await client.query(`alter table "${STAGED}" add primary key (check_id, agent_id, observed_at)`);
  await client.query(`analyze "${STAGED}"`);
  let released = false;
  return {
    results: filled.rowCount ?? 0,
    async release() {
      await client.query(`alter table "${STAGED}" rename to "${name}"`);
      released = true;
    },
    async folded(timeoutMs) {
      if (!released) throw new Error('the closed hour was never released');
      const until = Date.now() + timeoutMs;
      let [from, to] = [0, 0];
      while (Date.now() < until) {
        const { rows } = await client.query<{ present: boolean; held: boolean }>(
          `select to_regclass($1) is not null as present,
            exists (select 1 from pg_locks l where l.relation = to_regclass($1) and l.pid <> pg_backend_pid()) as held`,
          [name],
        );
        const at = Date.now();
        if (rows[0]!.held) [from, to] = [from || at, at];
        if (!rows[0]!.present) return { from: from || at, to: to || at, droppedAt: at };
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      throw new Error(`the closed hour ${name} was not folded within ${timeoutMs} ms`);
    },
    close: () => client.end(),
  };
}
