// Ingest throughput, side by side in one run on one durable PostgreSQL:
//   batched posts over HTTP (the server's group commit)  vs  the raw
//   INSERT … SELECT unnest(…) of the same rows straight into PostgreSQL;
//   the seed's one-result-per-POST over HTTP  vs  the same posts to a naive
//   server: the same app and write, but one transaction per result.
// Both sides of a ratio run in alternating rounds, so a noisy neighbour hits both.
import pg from 'pg';
import { registerAgents, simulateAgents, type SimAgent, type SimReport } from '../test/helpers/sim-agents.ts';
import { stageClosedHour } from './lib/closed-hour.ts';
import { startBenchServer, startNaiveServer, type BenchContext, type BenchServer } from './lib/setup.ts';
import { sampler } from './lib/proc-stats.ts';
import { percentile, type Summary } from './lib/stats.ts';

const AGENTS = 16; // batched posts: each posts BATCH results at a time
/**
 * One result per POST (the seed's conversation) at rising numbers of agents in
 * flight. Throughput is compared at capacity: at 64 the naive server is already
 * at its limit (every core busy), while the group commit is still bound by its
 * latency (each agent waits for its commit, cores idle) and goes on to fill
 * larger batches as more posts wait.
 */
const SEED_LEVELS = [64, 256, 512] as const;
const CHECKS = 20;
const BATCH = 100;
/** --long's staged closed hour: 50,000 series × 120 = 6 M results, a tenth of the hour this load writes. */
const LONG_FOLD_SERIES = 50_000;
const LONG_FOLD_AFTER_MS = 60_000;

interface Phase {
  results: number;
  ms: number;
}
const rate = (p: Phase): number => (p.results * 1000) / p.ms;

export async function benchIngest(ctx: BenchContext, summary: Summary): Promise<void> {
  const s = await startBenchServer(ctx, 'ingest');
  const naive = ctx.mode === 'long' ? null : await startNaiveServer(ctx);
  const most = Math.max(...SEED_LEVELS);
  try {
    const { agents: all } = await registerAgents(s.server.url, s.adminToken, most, CHECKS);
    const agents = all.slice(0, AGENTS);
    if (!naive) return await longRun(s, agents, summary);
    const { agents: naiveAll } = await registerAgents(naive.server.url, naive.adminToken, most, CHECKS);
    // Short phases in several rounds: a burst of load from a neighbour lands on both sides of a ratio.
    const phaseMs = ctx.mode === 'quick' ? 2500 : 5000;
    const rounds = ctx.mode === 'quick' ? 1 : 4;
    const warmUp = [
      await simulateAgents({ url: s.server.url, agents: all, batch: 1, durationMs: 1000 }),
      await simulateAgents({ url: naive.server.url, agents: naiveAll, batch: 1, durationMs: 1000 }),
    ];
    const byLevel = () => new Map<number, SimReport[]>(SEED_LEVELS.map((level) => [level, []]));
    const t: Totals = { raw: [], http: [], seed: byLevel(), naive: byLevel() };
    for (let round = 0; round < rounds; round++) {
      t.raw.push(await rawInserts(s.databaseUrl, agents, phaseMs));
      t.http.push(await simulateAgents({ url: s.server.url, agents, batch: BATCH, durationMs: phaseMs }));
      for (const level of SEED_LEVELS) {
        const [seedAgents, naiveAgents] = [all.slice(0, level), naiveAll.slice(0, level)];
        const phase = { batch: 1, durationMs: phaseMs };
        t.naive.get(level)!.push(await simulateAgents({ url: naive.server.url, agents: naiveAgents, ...phase }));
        t.seed.get(level)!.push(await simulateAgents({ url: s.server.url, agents: seedAgents, ...phase }));
      }
    }
    report(summary, t);
    const acknowledged = (list: SimReport[]) => list.reduce((a, r) => a + r.acknowledged, 0);
    // Every acknowledged result must be stored (the raw phases write a table of their own).
    const expected = acknowledged([warmUp[0]!, ...t.http, ...[...t.seed.values()].flat()]);
    const lost = Math.max(0, expected - (await countResults(s.databaseUrl)));
    const naiveAcknowledged = acknowledged([warmUp[1]!, ...[...t.naive.values()].flat()]);
    const naiveLost = Math.max(0, naiveAcknowledged - (await countResults(naive.databaseUrl)));
    summary.add('ingest_lost', lost + naiveLost);
  } finally {
    await naive?.close();
    await s.close();
  }
}

interface Totals {
  raw: Phase[];
  http: SimReport[];
  /** By number of agents: one result per POST to the server (group commit) and to the naive server. */
  seed: Map<number, SimReport[]>;
  naive: Map<number, SimReport[]>;
}

function report(summary: Summary, t: Totals): void {
  const raw = rate({
    results: t.raw.reduce((a, p) => a + p.results, 0),
    ms: t.raw.reduce((a, p) => a + p.ms, 0),
  });
  const acked = (list: SimReport[]): number =>
    rate({ results: list.reduce((a, r) => a + r.acknowledged, 0), ms: list.reduce((a, r) => a + r.elapsedMs, 0) });
  const latency = (list: SimReport[]): number[] => list.flatMap((r) => r.latenciesMs);
  const http = acked(t.http);
  summary.add('ingest_http_results_per_s', http);
  summary.add('ingest_http_p50_ms', percentile(latency(t.http), 50));
  summary.add('ingest_http_p99_ms', percentile(latency(t.http), 99));
  summary.add('ingest_raw_results_per_s', raw);
  summary.add('ingest_ratio_vs_raw', http / raw);
  const best = { seed: 0, naive: 0 };
  for (const level of SEED_LEVELS) {
    const rates = { seed: 0, naive: 0 };
    for (const side of ['seed', 'naive'] as const) {
      const list = t[side].get(level)!;
      const name = side === 'seed' ? `seed_post_${level}` : `naive_tx_${level}`;
      rates[side] = acked(list);
      best[side] = Math.max(best[side], rates[side]);
      summary.add(`${name}_results_per_s`, rates[side]);
      summary.add(`${name}_p50_ms`, percentile(latency(list), 50));
      summary.add(`${name}_p99_ms`, percentile(latency(list), 99));
    }
    summary.add(`seed_post_ratio_vs_naive_${level}`, rates.seed / rates.naive);
  }
  // Capacity against capacity: each side at the number of agents where it went fastest.
  summary.add('seed_post_results_per_s', best.seed);
  summary.add('naive_tx_results_per_s', best.naive);
  summary.add('seed_post_ratio_vs_naive', best.seed / best.naive);
}

/**
 * The ceiling the ratio has always been read against: a table shaped as
 * check_result was before ADR 10 (uuid key per agent, series and receipt
 * indexes), so the ratio stays comparable with the runs before it.
 */
const RAW_TABLE = `create table if not exists raw_baseline (id uuid not null, check_id uuid not null references "check" (id),
  agent_id uuid not null references "agent" (id), status text not null, value double precision, message text,
  observed_at timestamptz not null, received_at timestamptz not null, primary key (agent_id, id));
  create index if not exists raw_baseline_series_idx on raw_baseline (check_id, agent_id, observed_at);
  create index if not exists raw_baseline_received_idx on raw_baseline (received_at);`;

/** The same rows as the agents post, straight in with an INSERT … SELECT unnest(…), one connection per agent. */
async function rawInserts(databaseUrl: string, agents: SimAgent[], durationMs: number): Promise<Phase> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: agents.length });
  await pool.query(RAW_TABLE);
  const started = performance.now();
  const endAt = Date.now() + durationMs;
  let results = 0;
  try {
    await Promise.all(
      agents.map(async (agent) => {
        while (Date.now() < endAt) {
          const rows = Array.from({ length: BATCH }, (_, i) => agent.checks[i % agent.checks.length]!);
          const now = Date.now();
          await pool.query(
            `insert into raw_baseline (id, check_id, agent_id, status, value, message, observed_at, received_at)
             select u.*, now() from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::float8[], $6::text[],
               $7::timestamptz[]) as u on conflict (agent_id, id) do nothing returning id`,
            [
              rows.map(() => crypto.randomUUID()),
              rows,
              rows.map(() => agent.id),
              rows.map(() => 'OK'),
              rows.map(() => 1),
              rows.map(() => null),
              rows.map((_, i) => new Date(now + i)),
            ],
          );
          results += BATCH;
        }
      }),
    );
  } finally {
    await pool.end();
  }
  return { results, ms: performance.now() - started };
}

/**
 * --long: 10 minutes at 16,700 results/s (10,000 hosts × 50 checks every 30 s, issue 16); p99 under 100 ms and
 * nothing lost, the fold of a closed hour included: a minute in, a staged hour (bench/lib/closed-hour.ts) is handed
 * to the server's upkeep, and the posts sent while the fold held it are reported on their own.
 */
async function longRun(s: BenchServer, agents: SimAgent[], summary: Summary): Promise<void> {
  const hour = await stageClosedHour(s.databaseUrl, LONG_FOLD_SERIES);
  try {
    const before = await countResults(s.databaseUrl);
    const whole = sampler(s.server.child.pid!, 500);
    const load = simulateAgents({ url: s.server.url, agents, batch: 250, durationMs: 600_000, ratePerSec: 16_700 });
    await new Promise((resolve) => setTimeout(resolve, LONG_FOLD_AFTER_MS));
    const folding = sampler(s.server.child.pid!, 500);
    await hour.release();
    const fold = await hour.folded(540_000);
    const foldUsage = folding.stop();
    const run = await load;
    const wholeUsage = whole.stop();
    // The staged hour's results are in blocks now, counted with the rest.
    const stored = (await countResults(s.databaseUrl)) - before - hour.results;
    const during = run.latenciesMs.filter((_, i) => run.sentAt[i]! >= fold.from && run.sentAt[i]! <= fold.to);
    summary.add('long_results_per_s', (run.acknowledged * 1000) / run.elapsedMs);
    summary.add('long_p50_ms', percentile(run.latenciesMs, 50));
    summary.add('long_p99_ms', percentile(run.latenciesMs, 99));
    summary.add('long_acknowledged', run.acknowledged);
    summary.add('long_lost', Math.max(0, run.acknowledged - stored));
    summary.add('long_unacknowledged', run.unacknowledged);
    summary.add('long_server_rss_peak_mib', wholeUsage.rssPeakMiB);
    summary.add('long_fold_results', hour.results);
    summary.add('long_fold_s', (fold.to - fold.from) / 1000);
    summary.add('long_fold_posts', during.length);
    summary.add('long_fold_p50_ms', percentile(during, 50));
    summary.add('long_fold_p99_ms', percentile(during, 99));
    summary.add('long_fold_server_rss_peak_mib', foldUsage.rssPeakMiB);
  } finally {
    await hour.close();
  }
}

async function countResults(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Hot (attached hours, and hours detached for compaction) and compacted alike (ADR 10).
    const { rows: detached } = await client.query<{ name: string }>(`select relname as name from pg_class
      where relkind = 'r' and not relispartition and relnamespace = current_schema()::regnamespace
        and (starts_with(relname, 'check_result_p') or starts_with(relname, 'check_result_late_'))`);
    const hot = ['check_result', ...detached.map((d) => d.name)].map((t) => `(select count(*) from "${t}")`);
    const sql = `select ${hot.join(' + ')} + (select coalesce(sum(count), 0) from result_block) as n`;
    return Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
  } finally {
    await client.end();
  }
}
