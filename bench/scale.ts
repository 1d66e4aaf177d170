// Scale: 1,000 simulated agents × 20 checks every 10 s, each with the whole
// conversation (config poll with ETag, one post of 20 results, check-out),
// from a few load processes. Measures the server's and PostgreSQL's CPU and
// RSS, the /metrics scrape time and the API/dashboard read times under that load.
// `--long` is the soak: 30 minutes of the same load, RSS at 5 minutes and at the end.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { registerAgents, type SimAgent, type SimOptions, type SimReport } from '../test/helpers/sim-agents.ts';
import { rssMiB, sampler } from './lib/proc-stats.ts';
import { pause, serverNodeArgs, startBenchServer, type BenchContext, type BenchServer } from './lib/setup.ts';
import { percentile, type Summary } from './lib/stats.ts';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./lib/sim-worker.ts', import.meta.url));
const CHECKS = 20;
const INTERVAL_S = 10;
const LOAD_PROCESSES = 2;
const IDLE_MS = 5000;
const SOAK_MS = 30 * 60_000;
const SOAK_FIRST_MS = 5 * 60_000;

type WorkerReport = SimReport & { cpuMs: number };

export async function benchScale(ctx: BenchContext, summary: Summary): Promise<void> {
  const agentCount = ctx.mode === 'quick' ? 200 : 1000;
  const warmUpMs = ctx.mode === 'quick' ? 5000 : 20_000;
  const measureMs = { quick: 15_000, full: 60_000, long: SOAK_MS - warmUpMs }[ctx.mode];
  const s = await startBenchServer(ctx, 'scale', {}, serverNodeArgs());
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-bench-scale-'));
  try {
    const { agents } = await registerAgents(s.server.url, s.adminToken, agentCount, CHECKS, 'scale');
    await pause(IDLE_MS);
    summary.add('scale_agents', agentCount);
    summary.add('scale_server_rss_idle_mib', rssMiB(s.server.child.pid!));
    const trace = rssTrace(s.server.child.pid!);
    const load = startLoad(dir, s, agents, warmUpMs + measureMs);
    await pause(warmUpMs); // every agent has fetched its config and posted once
    const server = sampler(s.server.child.pid!);
    const postgres = sampler(ctx.postgres.pid()!);
    const reads = await timeReads(s, measureMs);
    const used = { server: server.stop(), postgres: postgres.stop() };
    const heap = await heapFigures(s);
    const reports = await load;
    const rss = trace.stop();
    summary.add(
      'scale_results_per_s',
      reports.reduce((a, r) => a + r.acknowledged, 0) / ((warmUpMs + measureMs) / 1000),
    );
    summary.add('scale_server_cpu_pct', (used.server.cpuMs / used.server.wallMs) * 100);
    summary.add('scale_server_rss_mib', used.server.rssPeakMiB);
    summary.add('scale_server_rss_mean_mib', used.server.rssMeanMiB);
    for (const [name, mib] of Object.entries(heap)) summary.add(`scale_server_${name}_mib`, mib);
    if (ctx.mode === 'long') reportSoak(summary, rss);
    summary.add('scale_postgres_cpu_pct', (used.postgres.cpuMs / used.postgres.wallMs) * 100);
    summary.add('scale_postgres_rss_mib', used.postgres.rssPeakMiB);
    summary.add(
      'scale_load_generator_cpu_pct',
      (reports.reduce((a, r) => a + r.cpuMs, 0) / (warmUpMs + measureMs)) * 100,
    );
    const latencies = reports.flatMap((r) => r.latenciesMs);
    summary.add('scale_post_p50_ms', percentile(latencies, 50));
    summary.add('scale_post_p99_ms', percentile(latencies, 99));
    summary.add(
      'scale_unacknowledged',
      reports.reduce((a, r) => a + r.unacknowledged, 0),
    );
    summary.add(
      'scale_failed_calls',
      reports.reduce((a, r) => a + r.failedAttempts, 0),
    );
    reportReads(summary, reads);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The server's RSS once a second from the start of the load, with the time since then. */
function rssTrace(pid: number) {
  const startedAt = performance.now();
  const samples: { atMs: number; mib: number }[] = [];
  const timer = setInterval(() => samples.push({ atMs: performance.now() - startedAt, mib: rssMiB(pid) }), 1000);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

/**
 * The soak's verdict: the peak RSS of the minute before the 5-minute mark
 * against the peak of the last minute (peaks, not single samples: the heap
 * saws up and down between collections).
 */
function reportSoak(summary: Summary, rss: { atMs: number; mib: number }[]): void {
  const peak = (fromMs: number, toMs: number): number =>
    Math.max(...rss.filter((r) => r.atMs >= fromMs && r.atMs < toMs).map((r) => r.mib));
  const endMs = rss.at(-1)!.atMs;
  const first = peak(SOAK_FIRST_MS - 60_000, SOAK_FIRST_MS);
  const last = peak(endMs - 60_000, endMs + 1);
  summary.add('scale_soak_minutes', endMs / 60_000);
  summary.add('scale_soak_server_rss_5min_mib', first);
  summary.add('scale_soak_server_rss_end_mib', last);
  summary.add('scale_soak_growth_pct', ((last - first) / first) * 100);
}

/** What the server's own /metrics says of its heap right after the load: where the RSS is. */
async function heapFigures(s: BenchServer): Promise<Record<string, number>> {
  const lines = (await (await fetch(`${s.server.url}/metrics`)).text()).split('\n');
  const mib = (series: string): number => {
    const line = lines.find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) / 2 ** 20 : NaN;
  };
  return {
    heap_total: mib('nodejs_heap_size_total_bytes'),
    heap_used: mib('nodejs_heap_size_used_bytes'),
    heap_young: mib('nodejs_heap_space_size_total_bytes{space="new"}'),
    heap_old: mib('nodejs_heap_space_size_total_bytes{space="old"}'),
    external: mib('nodejs_external_memory_bytes'),
  };
}

/** The agents split over a few processes, all paced at one post per agent per interval. */
async function startLoad(dir: string, s: BenchServer, agents: SimAgent[], durationMs: number) {
  const share = Math.ceil(agents.length / LOAD_PROCESSES);
  const workers = Array.from({ length: LOAD_PROCESSES }, async (_, i) => {
    const mine = agents.slice(i * share, (i + 1) * share);
    const options: SimOptions = {
      url: s.server.url,
      agents: mine,
      batch: CHECKS,
      durationMs,
      ratePerSec: (mine.length * CHECKS) / INTERVAL_S,
      conversation: true,
      ids: 'mixed',
    };
    const file = join(dir, `worker-${i}.json`);
    writeFileSync(file, JSON.stringify(options));
    const { stdout } = await run(process.execPath, [WORKER, file], { maxBuffer: 64 * 2 ** 20 });
    return JSON.parse(stdout) as WorkerReport;
  });
  return Promise.all(workers);
}

interface Reads {
  metrics: number[];
  metricsStatus: number;
  checks: number[];
  overview: number[];
}

/** Reads every few seconds while the load runs: /metrics as Prometheus scrapes it, and the API a dashboard calls. */
async function timeReads(s: BenchServer, durationMs: number): Promise<Reads> {
  const reads: Reads = { metrics: [], metricsStatus: 0, checks: [], overview: [] };
  const headers = { authorization: `Bearer ${s.adminToken}` };
  const timed = async (path: string, auth: boolean): Promise<[number, number]> => {
    const started = performance.now();
    const response = await fetch(`${s.server.url}${path}`, auth ? { headers } : {});
    await response.arrayBuffer();
    return [performance.now() - started, response.status];
  };
  const endAt = Date.now() + durationMs;
  while (Date.now() < endAt) {
    const [metricsMs, status] = await timed('/metrics', false);
    reads.metricsStatus = status;
    if (status === 200) reads.metrics.push(metricsMs);
    reads.checks.push((await timed('/api/v1/checks', true))[0]);
    reads.overview.push((await timed('/api/v1/overview', true))[0]);
    await pause(Math.max(0, Math.min(5000, endAt - Date.now())));
  }
  return reads;
}

function reportReads(summary: Summary, reads: Reads): void {
  if (reads.metricsStatus === 404) summary.note('/metrics answered 404: no scrape time measured');
  else {
    summary.add('scale_metrics_scrape_p50_ms', percentile(reads.metrics, 50));
    summary.add('scale_metrics_scrape_max_ms', Math.max(...reads.metrics));
  }
  summary.add('scale_api_checks_p50_ms', percentile(reads.checks, 50));
  summary.add('scale_api_checks_max_ms', Math.max(...reads.checks));
  summary.add('scale_dashboard_overview_p50_ms', percentile(reads.overview, 50));
  summary.add('scale_dashboard_overview_max_ms', Math.max(...reads.overview));
}
