// Embedded mode: the server on its own PGlite data folder, as `npx vilicus
// server` runs for a newcomer or a small team. Measures the server's resident
// memory (it holds the database too) idle on a fresh folder, again after a
// restart on the same folder, under the load of 20 agents × 10 checks at a
// 10 s interval, and the ingest rate in batches of 10 — side by side with the
// same server run with Node's default V8 settings (ADR 9), in alternating
// rounds, so the busy machine weighs on both alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerAgents, simulateAgents, type SimAgent } from '../test/helpers/sim-agents.ts';
import { startServerProcess, type ServerProc } from '../test/helpers/processes.ts';
import { rssMiB, sampler } from './lib/proc-stats.ts';
import { pause, serverCli, serverNodeArgs, type BenchContext } from './lib/setup.ts';
import { percentile, type Summary } from './lib/stats.ts';

const AGENTS = 20;
const CHECKS = 10;
const INTERVAL_S = 10;
const IDLE_MS = 5000;
const ROUND_MS = 5000;
/** Node's own settings for the flags the server sets (a flag named in NODE_OPTIONS wins over the server's). */
const NODE_DEFAULTS = ['--wasm-tiering-budget=13000000', '--max-semi-space-size=0'];

interface Side {
  server: ServerProc;
  agents: SimAgent[];
  acknowledged: number;
  latenciesMs: number[];
  /** The server's CPU time over its rounds (it holds the database too). */
  cpuMs: number;
}

export async function benchEmbedded(ctx: BenchContext, summary: Summary): Promise<void> {
  const loadMs = ctx.mode === 'quick' ? 20_000 : 60_000;
  const rounds = ctx.mode === 'quick' ? 1 : 3;
  const dirs: string[] = [];
  const folder = (): string => {
    dirs.push(mkdtempSync(join(tmpdir(), 'vilicus-bench-embedded-')));
    return dirs.at(-1)!;
  };
  const adminToken = `admin-${crypto.randomUUID()}`;
  const cli = await serverCli();
  const start = (dataDir: string, nodeArgs: string[]): Promise<ServerProc> =>
    startServerProcess({ dataDir, adminToken, env: { VILICUS_LOG_LEVEL: 'warn' }, nodeArgs, cli });
  const shippedArgs = serverNodeArgs();
  try {
    const dataDir = folder();
    let server = await start(dataDir, shippedArgs);
    summary.add('embedded_server_rss_idle_fresh_mib', await idleRss(server));
    await server.stop();
    server = await start(dataDir, shippedArgs);
    summary.add('embedded_server_rss_idle_mib', await idleRss(server));
    const { agents } = await registerAgents(server.url, adminToken, AGENTS, CHECKS, 'embedded');
    await pacedLoad(summary, server, agents, loadMs);

    const peer = await start(folder(), NODE_DEFAULTS);
    const peerAgents = (await registerAgents(peer.url, adminToken, AGENTS, CHECKS, 'embedded')).agents;
    const sides = [server, peer].map((s, i): Side => ({
      server: s,
      agents: i === 0 ? agents : peerAgents,
      acknowledged: 0,
      latenciesMs: [],
      cpuMs: 0,
    }));
    for (let round = 0; round < rounds; round++) for (const side of sides) await ingestRound(side);
    const rate = (s: Side): number => s.acknowledged / ((rounds * ROUND_MS) / 1000);
    const cpuPer1k = (s: Side): number => (s.cpuMs / s.acknowledged) * 1000;
    const [shipped, defaults] = sides as [Side, Side];
    summary.add('embedded_ingest_results_per_s', rate(shipped));
    summary.add('embedded_ingest_p99_ms', percentile(shipped.latenciesMs, 99));
    summary.add('embedded_ingest_cpu_ms_per_1k_results', cpuPer1k(shipped));
    summary.add('embedded_server_rss_after_ingest_mib', rssMiB(server.child.pid!));
    summary.add('embedded_node_defaults_ingest_results_per_s', rate(defaults));
    summary.add('embedded_node_defaults_ingest_cpu_ms_per_1k_results', cpuPer1k(defaults));
    summary.add('embedded_node_defaults_server_rss_after_ingest_mib', rssMiB(peer.child.pid!));
    summary.add('embedded_ingest_ratio_vs_node_defaults', rate(shipped) / rate(defaults));
    summary.add('embedded_ingest_cpu_ratio_vs_node_defaults', cpuPer1k(shipped) / cpuPer1k(defaults));
    await Promise.all([server.stop(), peer.stop()]);
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** The embedded mode's real load: every agent's whole conversation once per interval; the server's peak RSS. */
async function pacedLoad(summary: Summary, server: ServerProc, agents: SimAgent[], loadMs: number): Promise<void> {
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
}

/** The agents posting batches of 10 as fast as replies come, for one round. */
async function ingestRound(side: Side): Promise<void> {
  const cpu = sampler(side.server.child.pid!);
  const flat = await simulateAgents({ url: side.server.url, agents: side.agents, batch: 10, durationMs: ROUND_MS });
  side.cpuMs += cpu.stop().cpuMs;
  side.acknowledged += flat.acknowledged;
  side.latenciesMs.push(...flat.latenciesMs);
}

/** RSS a while after the server is ready, nothing asked of it. */
async function idleRss(server: ServerProc): Promise<number> {
  await pause(IDLE_MS);
  return rssMiB(server.child.pid!);
}
