// Compaction at scale (issue 16, ADR 10): how fast the upkeep folds one closed
// hour of hot rows into blocks on PostgreSQL, what it costs in CPU (the
// server's and PostgreSQL's, per million results), and what ingest latency
// does meanwhile. At 16.7k results/s an hour is 60 million rows; this folds a
// scaled-down hour of the same shape (one cpu-like result per series every
// 30 s, its message restating the value: the dearest kind to encode).
//
//   node bench/compaction.ts [--series 16000] [--inline]   (standalone; not part of `npm run bench`)
//
// The fold runs as the server runs it on PostgreSQL, in a worker thread on a
// session of its own; `--inline` folds on this thread instead (as on the
// embedded database), to compare.
//
// Two phases on one throwaway durable cluster: the fold alone (CPU figures),
// then the same size of hour folded while a writer posts batches of 500
// current results at a steady rate (latency before and during).
import { openDatabase } from '../server/db/orm.ts';
import { writeBatch, type ResultItem } from '../server/db/results.repository.ts';
import { maintainHistory } from '../server/db/history-maintenance.ts';
import { createHourPartition, hourOf } from '../server/db/history/partitions.ts';
import { sql } from '../server/db/sql.ts';
import { createDatabase } from '../test/helpers/postgres.ts';
import { startBenchPostgres } from './lib/setup.ts';
import { rssMiB, treeUsage } from './lib/proc-stats.ts';
import { percentile } from './lib/stats.ts';
import { addCpuFleet, fillCpuHour, RESULTS_PER_SERIES } from './lib/cpu-hour.ts';

const HOUR = 3_600_000;
const WEEK = 7 * 86_400_000;
const series = Number(process.argv[process.argv.indexOf('--series') + 1]) || 16_000;
const inline = process.argv.includes('--inline');
const AGENTS = 400;
const FLEET = 'host-';
const WRITER_BATCH = 500;
const WRITER_EVERY_MS = 250; // 2,000 results/s: what this busy machine sustains beside the fold

const pg = await startBenchPostgres();
const db = await openDatabase({ databaseUrl: await createDatabase(pg.url, 'bench_compaction'), dataDir: '' });
try {
  await db.migrate();
  const kysely = db.orm.em.fork().getKysely();
  const checksPerAgent = Math.ceil(series / AGENTS);
  await addCpuFleet(kysely, FLEET, AGENTS, checksPerAgent);

  /** One hour of hot rows for `series` series (the fold is what is measured). */
  const fill = async (hour: number): Promise<number> => {
    await createHourPartition(kysely, hour);
    return fillCpuHour(kysely, 'check_result', hour, FLEET);
  };

  const fold = async (): Promise<{
    results: number;
    seconds: number;
    serverCpuS: number;
    pgCpuS: number;
    rssPeakMiB: number;
    rssBeforeMiB: number;
  }> => {
    const [cpu0, pg0, t0] = [process.cpuUsage(), treeUsage(pg.pid()!).cpuMs, performance.now()];
    const rssBeforeMiB = rssMiB(process.pid);
    let rssPeakMiB = rssBeforeMiB;
    const sampling = setInterval(() => (rssPeakMiB = Math.max(rssPeakMiB, rssMiB(process.pid))), 100);
    const upkeep = await maintainHistory(db.orm.em.fork(), new Date(), WEEK, {
      databaseUrl: inline ? undefined : db.url,
    });
    const cpu = process.cpuUsage(cpu0); // the process's: the worker thread's CPU is counted here too
    clearInterval(sampling);
    return {
      rssPeakMiB,
      rssBeforeMiB,
      results: upkeep.compacted,
      seconds: (performance.now() - t0) / 1000,
      serverCpuS: (cpu.user + cpu.system) / 1e6,
      pgCpuS: (treeUsage(pg.pid()!).cpuMs - pg0) / 1000,
    };
  };
  const report = (label: string, f: Awaited<ReturnType<typeof fold>>): void => {
    const perMillion = 1e6 / f.results;
    console.log(
      `${label}: ${f.results} results folded in ${f.seconds.toFixed(1)} s = ${Math.round(f.results / f.seconds)} results/s;` +
        ` CPU per million results: server ${(f.serverCpuS * perMillion).toFixed(1)} s, PostgreSQL ${(f.pgCpuS * perMillion).toFixed(1)} s;` +
        ` RSS ${f.rssBeforeMiB.toFixed(0)} MiB before, peak ${f.rssPeakMiB.toFixed(0)} during, ${rssMiB(process.pid).toFixed(0)} after`,
    );
  };

  await maintainHistory(db.orm.em.fork(), new Date(), WEEK); // this hour's partitions, nothing to fold yet
  console.log(`folding ${inline ? 'on the main thread (--inline)' : 'in a worker thread'}`);
  const first = hourOf(Date.now()) - 4 * HOUR;
  console.log(
    `filled ${await fill(first)} rows of one hour (${AGENTS} agents × ${checksPerAgent} checks × ${RESULTS_PER_SERIES})`,
  );
  report('fold alone', await fold());
  await new Promise((resolve) => setTimeout(resolve, 5000));
  console.log(`RSS 5 s after the fold: ${rssMiB(process.pid).toFixed(0)} MiB`);

  // The writer: one agent of its own, current results, a steady rate; latency per batch.
  // The writer's own agents (not in the folded hours), every check each: WRITER_BATCH results a post.
  const writerAgents = Math.ceil(WRITER_BATCH / checksPerAgent);
  const { rows: pairs } = await sql<{ checkId: string; agentId: string }>`
    with w as (insert into "agent" (id, name, labels, token_hash, created_at)
      select gen_random_uuid(), 'writer-' || n, '{}', 'w-' || n, now() from generate_series(1, ${writerAgents}) n returning id)
    select c.id as "checkId", w.id as "agentId" from w cross join "check" c limit ${WRITER_BATCH}`.execute(kysely);
  const latencies: { at: number; ms: number }[] = [];
  let writing = true;
  const writer = (async () => {
    let tick = Date.now();
    while (writing) {
      const now = new Date();
      const items: ResultItem[] = pairs.map(({ checkId, agentId }) => ({
        checkId,
        agentId,
        status: 'OK',
        value: 1,
        message: null,
        observedAt: now,
        rules: { sustainMs: 0, severity: 'critical' },
        recipients: [],
      }));
      const t0 = performance.now();
      await writeBatch(db.orm.em.fork(), items, now);
      latencies.push({ at: t0, ms: performance.now() - t0 });
      tick += WRITER_EVERY_MS;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tick - Date.now())));
    }
  })();
  const second = first + HOUR;
  console.log(
    `filled ${await fill(second)} rows of another hour; the writer posts ${WRITER_BATCH} every ${WRITER_EVERY_MS} ms`,
  );
  const quietFrom = performance.now();
  while (performance.now() - quietFrom < 15_000) await new Promise((resolve) => setTimeout(resolve, 500));
  const foldFrom = performance.now();
  const during = await fold();
  const foldTo = performance.now();
  writing = false;
  await writer;
  report('fold beside the writer', during);
  const show = (label: string, list: number[]): void =>
    console.log(
      `writer ${label}: ${list.length} batches, p50 ${percentile(list, 50).toFixed(1)} ms, p99 ${percentile(list, 99).toFixed(1)} ms, max ${Math.max(...list).toFixed(1)} ms`,
    );
  show(
    'before the fold',
    latencies.filter((l) => l.at >= quietFrom && l.at < foldFrom).map((l) => l.ms),
  );
  show(
    'during the fold',
    latencies.filter((l) => l.at >= foldFrom && l.at < foldTo).map((l) => l.ms),
  );
} finally {
  await db.close();
  await pg.stop();
}
