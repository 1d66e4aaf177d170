// Embedded mode: the server on its own PGlite data folder, as `npx vilicus
// server` runs for a newcomer or a small team. Measures the server's resident
// memory (it holds the database too) idle on a fresh folder, again after a
// restart on the same folder, under the load of 20 agents × 10 checks at a
// 10 s interval, and the ingest rate in batches of 10.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerAgents, simulateAgents } from '../test/helpers/sim-agents.ts';
import { startServerProcess, type ServerProc } from '../test/helpers/processes.ts';
import { rssMiB, sampler } from './lib/proc-stats.ts';
import { pause, type BenchContext } from './lib/setup.ts';
import { percentile, type Summary } from './lib/stats.ts';

const AGENTS = 20;
const CHECKS = 10;
const INTERVAL_S = 10;
const IDLE_MS = 5000;

export async function benchEmbedded(ctx: BenchContext, summary: Summary): Promise<void> {
  const loadMs = ctx.mode === 'quick' ? 20_000 : 60_000;
  const ingestMs = ctx.mode === 'quick' ? 5_000 : 15_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-bench-embedded-'));
  const adminToken = `admin-${crypto.randomUUID()}`;
  const start = (): Promise<ServerProc> =>
    startServerProcess({
      dataDir,
      adminToken,
      env: { VILICUS_LOG_LEVEL: 'warn', NODE_OPTIONS: process.env['SERVER_NODE_OPTIONS'] ?? '' },
    });
  try {
    let server = await start();
    summary.add('embedded_server_rss_idle_fresh_mib', await idleRss(server));
    await server.stop();
    server = await start();
    summary.add('embedded_server_rss_idle_mib', await idleRss(server));

    const { agents } = await registerAgents(server.url, adminToken, AGENTS, CHECKS, 'embedded');
    const memory = sampler(server.child.pid!);
    const paced = await simulateAgents({
      url: server.url,
      agents,
      batch: CHECKS,
      durationMs: loadMs,
      ratePerSec: (AGENTS * CHECKS) / INTERVAL_S,
      conversation: true,
    });
    summary.add('embedded_server_rss_load_mib', memory.stop().rssPeakMiB);
    summary.add('embedded_paced_unacknowledged', paced.unacknowledged);

    const flat = await simulateAgents({ url: server.url, agents, batch: 10, durationMs: ingestMs });
    summary.add('embedded_ingest_results_per_s', flat.acknowledged / (ingestMs / 1000));
    summary.add('embedded_ingest_p99_ms', percentile(flat.latenciesMs, 99));
    summary.add('embedded_server_rss_after_ingest_mib', rssMiB(server.child.pid!));
    await server.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** RSS a while after the server is ready, nothing asked of it. */
async function idleRss(server: ServerProc): Promise<number> {
  await pause(IDLE_MS);
  return rssMiB(server.child.pid!);
}
