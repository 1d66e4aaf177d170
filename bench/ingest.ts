// Ingest throughput, side by side in one run on one durable PostgreSQL:
//   batched posts over HTTP (the server's group commit)  vs  the raw
//   INSERT … SELECT unnest(…) of the same rows straight into PostgreSQL;
//   the seed's one-result-per-POST over HTTP  vs  a naive server's one
//   transaction per result (the same writeBatch work, one result at a time).
// Both sides of a ratio run in alternating rounds, so a noisy neighbour hits both.
import pg from 'pg';
import { openDatabase } from '../server/db/orm.ts';
import { writeBatch, type ResultItem } from '../server/db/results.repository.ts';
import { registerAgents, simulateAgents, type SimAgent, type SimReport } from '../test/helpers/sim-agents.ts';
import { startBenchServer, type BenchContext, type BenchServer } from './lib/setup.ts';
import { percentile, type Summary } from './lib/stats.ts';

const AGENTS = 16; // batched posts: each posts BATCH results at a time
const SEED_AGENTS = 64; // one result per POST: the seed's agents are many and small
const CHECKS = 20;
const BATCH = 100;

interface Phase {
  results: number;
  ms: number;
}
const rate = (p: Phase): number => (p.results * 1000) / p.ms;

export async function benchIngest(ctx: BenchContext, summary: Summary): Promise<void> {
  const s = await startBenchServer(ctx, 'ingest');
  try {
    const { agents: all } = await registerAgents(s.server.url, s.adminToken, SEED_AGENTS, CHECKS);
    const agents = all.slice(0, AGENTS);
    if (ctx.mode === 'long') return await longRun(s, agents, summary);
    // Short phases in several rounds: a burst of load from a neighbour lands on both sides of a ratio.
    const phaseMs = ctx.mode === 'quick' ? 2500 : 5000;
    const rounds = ctx.mode === 'quick' ? 1 : 4;
    const warmUp = await simulateAgents({ url: s.server.url, agents: all, batch: 1, durationMs: 1000 });
    const t: Totals = { raw: [], http: [], naive: [], serial: [], seed: [] };
    for (let round = 0; round < rounds; round++) {
      t.raw.push(await rawInserts(s.databaseUrl, agents, phaseMs));
      t.http.push(await simulateAgents({ url: s.server.url, agents, batch: BATCH, durationMs: phaseMs }));
      t.naive.push(await naiveTransactions(s.databaseUrl, all, phaseMs));
      t.seed.push(await simulateAgents({ url: s.server.url, agents: all, batch: 1, durationMs: phaseMs }));
      t.serial.push(await naiveTransactions(s.databaseUrl, all.slice(0, 1), phaseMs));
    }
    report(summary, t);
    const acknowledged = [warmUp, ...t.http, ...t.seed].reduce((a, r) => a + r.acknowledged, 0);
    const direct = [...t.raw, ...t.naive, ...t.serial].reduce((a, p) => a + p.results, 0);
    // Every acknowledged result must be in the table, beside what the direct phases wrote.
    summary.add('ingest_lost', Math.max(0, acknowledged + direct - (await countResults(s.databaseUrl))));
  } finally {
    await s.close();
  }
}

interface Totals {
  raw: Phase[];
  http: SimReport[];
  naive: Phase[];
  serial: Phase[];
  seed: SimReport[];
}

function report(summary: Summary, t: Totals): void {
  const sum = (list: Phase[]): Phase => ({
    results: list.reduce((a, p) => a + p.results, 0),
    ms: list.reduce((a, p) => a + p.ms, 0),
  });
  const asPhase = (list: SimReport[]): Phase => sum(list.map((r) => ({ results: r.acknowledged, ms: r.elapsedMs })));
  const http = rate(asPhase(t.http));
  const raw = rate(sum(t.raw));
  const seed = rate(asPhase(t.seed));
  const naive = rate(sum(t.naive));
  const serial = rate(sum(t.serial));
  const httpLatency = t.http.flatMap((r) => r.latenciesMs);
  const seedLatency = t.seed.flatMap((r) => r.latenciesMs);
  summary.add('ingest_http_results_per_s', http);
  summary.add('ingest_http_p50_ms', percentile(httpLatency, 50));
  summary.add('ingest_http_p99_ms', percentile(httpLatency, 99));
  summary.add('ingest_raw_results_per_s', raw);
  summary.add('ingest_ratio_vs_raw', http / raw);
  summary.add('seed_post_results_per_s', seed);
  summary.add('seed_post_p50_ms', percentile(seedLatency, 50));
  summary.add('seed_post_p99_ms', percentile(seedLatency, 99));
  summary.add('naive_tx_results_per_s', naive);
  summary.add('seed_post_ratio_vs_naive', seed / naive);
  summary.add('naive_serial_results_per_s', serial);
  summary.add('seed_post_ratio_vs_naive_serial', seed / serial);
}

/** The same rows as the agents post, straight in with the server's own insert, one connection per agent. */
async function rawInserts(databaseUrl: string, agents: SimAgent[], durationMs: number): Promise<Phase> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: agents.length });
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
            `insert into check_result (id, check_id, agent_id, status, value, message, observed_at, received_at)
             select u.*, now() from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::float8[], $6::text[],
               $7::timestamptz[]) as u on conflict (id) do nothing returning id`,
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
 * What a server without group commit does: one transaction per result, with
 * the same statements and the same evaluation (writeBatch of one item), over
 * the server's own pool (10 connections), one loop per agent: as many
 * producers as the seed phase has agents. With one agent: a plain serial loop.
 */
async function naiveTransactions(databaseUrl: string, agents: SimAgent[], durationMs: number): Promise<Phase> {
  const db = await openDatabase({ databaseUrl, dataDir: '/nonexistent' });
  const started = performance.now();
  const endAt = Date.now() + durationMs;
  let results = 0;
  try {
    await Promise.all(
      agents.map(async (agent) => {
        for (let i = 0; Date.now() < endAt; i++) {
          await writeBatch(db.orm.em.fork(), [naiveItem(agent, i)], new Date());
          results++;
        }
      }),
    );
  } finally {
    await db.close();
  }
  return { results, ms: performance.now() - started };
}

function naiveItem(agent: SimAgent, i: number): ResultItem {
  return {
    id: crypto.randomUUID(),
    checkId: agent.checks[i % agent.checks.length]!,
    agentId: agent.id,
    status: Math.random() < 0.01 ? 'CRITICAL' : 'OK',
    value: 1,
    message: null,
    observedAt: new Date(),
    rules: { sustainMs: 0, severity: 'critical' },
    recipients: [],
  };
}

/** --long: 10 minutes at 10,000 results/s; p99 under 100 ms and nothing lost. */
async function longRun(s: BenchServer, agents: SimAgent[], summary: Summary): Promise<void> {
  const before = await countResults(s.databaseUrl);
  const run = await simulateAgents({
    url: s.server.url,
    agents,
    batch: 250,
    durationMs: 600_000,
    ratePerSec: 10_000,
  });
  const stored = (await countResults(s.databaseUrl)) - before;
  summary.add('long_results_per_s', (run.acknowledged * 1000) / run.elapsedMs);
  summary.add('long_p50_ms', percentile(run.latenciesMs, 50));
  summary.add('long_p99_ms', percentile(run.latenciesMs, 99));
  summary.add('long_acknowledged', run.acknowledged);
  summary.add('long_lost', Math.max(0, run.acknowledged - stored));
  summary.add('long_unacknowledged', run.unacknowledged);
}

async function countResults(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('select count(*) as n from check_result')).rows[0]!.n);
  } finally {
    await client.end();
  }
}
