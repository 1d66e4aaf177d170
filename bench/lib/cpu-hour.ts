// An hour of hot results for the fold's benchmarks (bench/compaction.ts, and
// --long's staged hour, closed-hour.ts), written by PostgreSQL itself so the
// fold is what is measured: agents of their own, cpu checks, one result per
// series every 30 s (jittered by agent), a cpu-like value and a message
// restating it — the dearest kind to encode.
import { sql, type Db } from '../../server/db/sql.ts';

export const RESULTS_PER_SERIES = 120;

/** `agents` agents named `<prefix><n>` and `checks` cpu checks named `<prefix>cpu-<n>`. */
export async function addCpuFleet(db: Db, prefix: string, agents: number, checks: number): Promise<void> {
  await sql`insert into "agent" (id, name, labels, token_hash, created_at)
    select gen_random_uuid(), ${prefix} || n, '{}', ${prefix} || n, now() from generate_series(1, ${agents}) n`.execute(
    db,
  );
  await sql`insert into "check" (id, namespace, name, kind, spec, labels, created_at, updated_at)
    select gen_random_uuid(), 'default', ${prefix} || 'cpu-' || n, 'cpu', '{"cpu":{"above":90}}', '{}', now(), now()
    from generate_series(1, ${checks}) n`.execute(db);
}

/** Fills `table` with the hour starting at `hour` for every (check, agent) of the fleet; the rows written. */
export async function fillCpuHour(db: Db, table: string, hour: number, prefix: string): Promise<number> {
  const done = await sql`insert into ${sql.id(table)} (check_id, agent_id, observed_at, status, value, message)
    select c.id, a.id, ${new Date(hour)}::timestamptz + make_interval(secs => t * 30 + (hashtext(a.id::text) & 15)),
      case when v > 95 then 'CRITICAL' else 'OK' end, v, 'CPU ' || v || '% busy'
    from (select id from "agent" where starts_with(name, ${prefix})) a
    cross join (select id from "check" where starts_with(name, ${prefix} || 'cpu-')) c
    cross join generate_series(0, ${RESULTS_PER_SERIES - 1}) t
    cross join lateral (select round((random() * 100)::numeric, 1)::float8 as v) r`.execute(db);
  return Number(done.numAffectedRows);
}
