// A closed hour for the ingest soak (`--long`, issue 16) to fold while it
// runs: at 16,700 results/s the server folds an hour of results once an hour,
// and the soak's p99 must hold through it. A 10-minute run meets a real hour's
// end only if started at the right minute, so the hour is staged instead:
// PostgreSQL writes it (cpu-hour.ts, for agents of its own) into a table the
// server does not know, before the load starts; `release()` renames it to a
// detached hour's name (two hours ago), and the server's upkeep (every 30 s)
// folds it as it folds any closed hour. `folded()` tells when the fold held
// the table: the first and last time a session other than ours was seen
// holding a lock on it (the fold reads it a chunk at a time), once dropped.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { HOUR_MS, hourOf, hourPartition } from '../../server/db/history/partitions.ts';
import { sql } from '../../server/db/sql.ts';
import { addCpuFleet, fillCpuHour } from './cpu-hour.ts';

const STAGED = 'bench_closed_hour';
const FLEET = 'closed-hour-';
const CHECKS_PER_AGENT = 20;
const POLL_MS = 200;

export interface ClosedHour {
  results: number;
  /** Makes it a detached hour: the upkeep folds it within 30 s. */
  release(): Promise<void>;
  /** Resolves once the fold dropped it: when the fold was first and last seen at it (ms since the epoch). */
  folded(timeoutMs: number): Promise<{ from: number; to: number }>;
  close(): Promise<void>;
}

export async function stageClosedHour(databaseUrl: string, series: number): Promise<ClosedHour> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'vilicus bench closed hour' });
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  const hour = hourOf(Date.now()) - 2 * HOUR_MS;
  const name = hourPartition(hour);
  await addCpuFleet(db, FLEET, Math.ceil(series / CHECKS_PER_AGENT), CHECKS_PER_AGENT);
  await sql`create table ${sql.id(STAGED)} (like "check_result" including defaults)`.execute(db);
  // Filled first, then keyed as an hour's partition is (its key is what the fold reads series by).
  const results = await fillCpuHour(db, STAGED, hour, FLEET);
  await sql`alter table ${sql.id(STAGED)} add primary key (check_id, agent_id, observed_at)`.execute(db);
  await sql`analyze ${sql.id(STAGED)}`.execute(db);
  let released = false;
  return {
    results,
    async release() {
      await sql`alter table ${sql.id(STAGED)} rename to ${sql.id(name)}`.execute(db);
      released = true;
    },
    async folded(timeoutMs) {
      if (!released) throw new Error('the closed hour was never released');
      const until = Date.now() + timeoutMs;
      let [from, to] = [0, 0];
      while (Date.now() < until) {
        const { rows } = await sql<{ present: boolean; held: boolean }>`
          select to_regclass(${name}) is not null as present, exists (select 1 from pg_locks l
            where l.relation = to_regclass(${name}) and l.pid <> pg_backend_pid()) as held`.execute(db);
        const at = Date.now();
        if (rows[0]!.held) [from, to] = [from || at, at];
        if (!rows[0]!.present) return { from: from || at, to: to || at };
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      throw new Error(`the closed hour ${name} was not folded within ${timeoutMs} ms`);
    },
    close: () => db.destroy(),
  };
}
