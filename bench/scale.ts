// Scale: 1,000 simulated agents × 20 checks every 10 s, each with the whole
// conversation (config poll with ETag, one post of 20 results, check-out),
// from a few load processes. Measures the server's and PostgreSQL's CPU and
// RSS, the /metrics scrape time and the API/dashboard read times under that load.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { registerAgents, type SimAgent, type SimOptions, type SimReport } from '../test/helpers/sim-agents.ts';
import { sampler } from './lib/proc-stats.ts';
import { pause, startBenchServer, type BenchContext, type BenchServer } from './lib/setup.ts';
import { percentile, type Summary } from './lib/stats.ts';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./lib/sim-worker.ts', import.meta.url));
const CHECKS = 20;
const INTERVAL_S = 10;
const LOAD_PROCESSES = 2;

type WorkerReport = SimReport & { cpuMs: number };

export async function benchScale(ctx: BenchContext, summary: Summary): Promise<void> {
  const agentCount = ctx.mode === 'quick' ? 200 : 1000;
  const warmUpMs = ctx.mode === 'quick' ? 5000 : 20_000;
  const measureMs = ctx.mode === 'quick' ? 15_000 : 60_000;
  const s = await startBenchServer(ctx, 'scale');
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-bench-scale-'));
  try {
    const { agents } = await registerAgents(s.server.url, s.adminToken, agentCount, CHECKS, 'scale');
    const load = startLoad(dir, s, agents, warmUpMs + measureMs);
    await pause(warmUpMs); // every agent has fetched its config and posted once
    const server = sampler(s.server.child.pid!);
    const postgres = sampler(ctx.postgres.pid()!);
    const reads = await timeReads(s, measureMs);
    const used = { server: server.stop(), postgres: postgres.stop() };
    const reports = await load;
    summary.add('scale_agents', agentCount);
    summary.add(
      'scale_results_per_s',
      reports.reduce((a, r) => a + r.acknowledged, 0) / ((warmUpMs + measureMs) / 1000),
    );
    summary.add('scale_server_cpu_pct', (used.server.cpuMs / used.server.wallMs) * 100);
    summary.add('scale_server_rss_mib', used.server.rssPeakMiB);
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
