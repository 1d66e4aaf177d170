// Reads on a week of history at the 1,000-agent scale (issue 16): a check's
// 24 h timeline (its transitions) and an agent's 7-day CPU chart (every
// result of its cpu check, decoded from blocks, bucketed), each through the
// repository functions the dashboard routes call. The week is written as the
// upkeep writes it (foldIntoBlocks), agent by agent: pushing 20 million
// results through ingest first would take the bench's whole budget.
import { openDatabase } from '../server/db/orm.ts';
import { foldIntoBlocks, type HotRow } from '../server/db/history/blocks.ts';
import { checkTransitions, cpuBuckets, cpuResults } from '../server/db/dashboard.repository.ts';
import { sql } from '../server/db/sql.ts';
import { createDatabase, dropDatabase } from '../test/helpers/postgres.ts';
import { weekMix } from './lib/week-mix.ts';
import { percentile, round, type Summary } from './lib/stats.ts';
import type { BenchContext } from './lib/setup.ts';

const DAY_MS = 86_400_000;
const AGENTS = 1000;
const INTERVAL_MS = 30_000;
const TIMES = 20;

export async function benchStorageReads(ctx: BenchContext, summary: Summary): Promise<void> {
  const databaseUrl = await createDatabase(ctx.postgres.url, 'bench_reads');
  const db = await openDatabase({ databaseUrl, dataDir: '' });
  try {
    await db.migrate();
    const em = db.orm.em.fork();
    const kysely = em.getKysely();
    const cpu = crypto.randomUUID();
    await sql`insert into "check" (id, namespace, name, kind, spec, labels, created_at, updated_at)
      values (${cpu}, 'default', 'cpu', 'cpu', '{"cpu":{"above":90}}', '{}', now(), now())`.execute(kysely);
    const agents = Array.from({ length: AGENTS }, () => crypto.randomUUID());
    await sql`insert into "agent" (id, name, labels, token_hash, created_at)
      select id, 'host-' || n, '{}', 'hash-' || id, now() from unnest(${agents}::uuid[]) with ordinality as u(id, n)`.execute(
      kysely,
    );
    const now = Date.now();
    const t0 = performance.now();
    for (let a = 0; a < AGENTS; a++) {
      const rows: HotRow[] = [];
      const week = weekMix({
        agents: 1,
        perKind: 1,
        intervalMs: INTERVAL_MS,
        kinds: ['cpu'],
        from: new Date(now - 7 * DAY_MS),
        to: new Date(now),
        seed: a + 1,
      });
      for (const r of week)
        rows.push({
          checkId: cpu,
          agentId: agents[a]!,
          t: r.observedAt.getTime(),
          status: r.status,
          value: r.value,
          message: r.message,
        });
      await em.transactional((tx) => foldIntoBlocks(tx.getKysely(), rows));
      // The timeline's data: a flap or two a day on every agent.
      await sql`insert into "transition" (check_id, agent_id, from_status, to_status, at, reason)
        select ${cpu}, ${agents[a]}, 'OK', 'WARNING', now() - g * interval '3 hours', 'result' from generate_series(1, 56) g`.execute(
        kysely,
      );
    }
    summary.add('reads_fleet_agents', AGENTS);
    summary.add('reads_fleet_write_s', round((performance.now() - t0) / 1000, 1));
    await sql`analyze`.execute(kysely);
    const time = async (read: () => Promise<unknown>): Promise<number[]> => {
      const ms: number[] = [];
      for (let i = 0; i < TIMES; i++) {
        const start = performance.now();
        await read();
        ms.push(performance.now() - start);
      }
      return ms;
    };
    const timeline = await time(() => checkTransitions(db.orm.em.fork(), cpu, new Date(now - DAY_MS)));
    let points = 0;
    const chart = await time(async () => {
      const agent = `host-${1 + Math.floor(Math.random() * AGENTS)}`;
      const results = await cpuResults(db.orm.em.fork(), agent, [cpu], new Date(now - 7 * DAY_MS), new Date(now));
      points = results.length;
      return cpuBuckets(results, 1800);
    });
    summary.add('reads_timeline_24h_p50_ms', round(percentile(timeline, 50), 1));
    summary.add('reads_timeline_24h_max_ms', round(Math.max(...timeline), 1));
    summary.add('reads_cpu_chart_7d_p50_ms', round(percentile(chart, 50), 1));
    summary.add('reads_cpu_chart_7d_max_ms', round(Math.max(...chart), 1));
    summary.add('reads_cpu_chart_7d_results', points);
  } finally {
    await db.close();
    await dropDatabase(databaseUrl);
  }
}
