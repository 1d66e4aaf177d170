// The agent's cost on a host with ~500 processes, side by side with the
// Prometheus exporters a team would otherwise run (Debian's
// prometheus-process-exporter and prometheus-node-exporter), scraped at the
// agent's interval. CPU from /proc/<pid>/stat and RSS from /proc/<pid>/status,
// the same way for all three.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAgent } from '../cli/build-agent.ts';
import { freePort, START_MS, vilicus, waitFor, type Proc } from '../test/helpers/processes.ts';
import { processCount, sampler } from './lib/proc-stats.ts';
import { admin, pause, peerMissing, startBenchServer, type BenchContext, type BenchServer } from './lib/setup.ts';
import type { Summary } from './lib/stats.ts';

const TARGET_PROCESSES = 500;
const PROCESS_CHECKS = 10;

interface Peer {
  name: string;
  child: ChildProcess;
  metricsUrl: string;
}

export async function benchAgentCost(ctx: BenchContext, summary: Summary): Promise<void> {
  const intervalS = ctx.mode === 'quick' ? 2 : 10;
  const cycles = ctx.mode === 'quick' ? 5 : 9;
  const sleepers = fillHost();
  const s = await startBenchServer(ctx, 'agent');
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-bench-peers-'));
  const peers: Peer[] = [];
  let agents: { name: string; proc: Proc }[] = [];
  try {
    const checks = await createChecks(s, intervalS);
    agents = await startAgents(s);
    peers.push(...(await startPeers(dir, summary)));
    const scraper = scrapeEvery(peers, intervalS * 1000);
    let notOk: string[] = [];
    // A bound on a hang, not on speed: on a loaded machine the first cycles of 500 processes take long.
    await waitFor(
      async () => {
        const { items } = await admin(s, 'GET', '/api/v1/checks');
        // Any state will do (a busy machine's cpu check is CRITICAL): every agent has run every check.
        const ran = (c: any): boolean => c.status.agents.filter((a: any) => a.lastResultAt).length >= agents.length;
        notOk = items.filter((c: any) => !ran(c)).map((c: any) => c.metadata.name);
        return notOk.length === 0;
      },
      START_MS,
      () => [`not run by every agent yet: ${notOk.join(', ')}`, ...agents.map((a) => a.proc.output())].join('\n'),
    );
    await pause(intervalS * 1000); // one more cycle: the first ones pay for loading code
    const watched = [
      ...agents.map((a) => ({ name: a.name, pid: a.proc.child.pid! })),
      ...peers.map((p) => ({ name: p.name, pid: p.child.pid! })),
    ];
    const samplers = watched.map((w) => ({ ...w, sampler: sampler(w.pid, 500) }));
    await pause(intervalS * 1000 * cycles);
    for (const w of samplers) {
      const used = w.sampler.stop();
      const perCycle = used.cpuMs / (used.wallMs / (intervalS * 1000));
      const key = w.name.replaceAll('-', '_');
      summary.add(`${key}_cpu_ms_per_cycle`, perCycle);
      summary.add(`${key}_rss_mib`, used.rssPeakMiB);
    }
    scraper.stop();
    summary.add('agent_host_processes', processCount());
    summary.add('agent_checks', checks);
    summary.add('agent_interval_s', intervalS);
  } finally {
    for (const p of peers) p.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.proc.stop()));
    for (const child of sleepers) child.kill('SIGKILL');
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Two agents on the same checks: as shipped (the one bundled file of the
 * agent image and the vilicus-agent package, cli/build-agent.ts: `agent`)
 * and from a checkout (`vilicus agent`, TypeScript stripped at load:
 * `agent_from_source`), which costs the type stripper's memory on top.
 */
async function startAgents(s: BenchServer): Promise<{ name: string; proc: Proc }[]> {
  const token = async (name: string): Promise<string> => (await admin(s, 'POST', '/api/v1/agents', { name })).token;
  const env = async (name: string) => ({ VILICUS_TOKEN: await token(name), VILICUS_LOG_LEVEL: 'warn' });
  const args = ['agent', '--server', s.server.url];
  // .cache is ignored by git.
  const { file } = await buildAgent(join(ROOT, '.cache', 'bench-agent'));
  const shipped = spawn(process.execPath, [file, ...args], {
    env: { ...process.env, ...(await env('bench-host-shipped')) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => shipped.once('exit', resolve));
  const shippedProc: Proc = { child: shipped, output: () => '', stop: () => (shipped.kill(), exited) };
  return [
    { name: 'agent', proc: shippedProc },
    { name: 'agent_from_source', proc: vilicus(args, await env('bench-host-source')) },
  ];
}

/** `sleep`s until the host runs TARGET_PROCESSES processes (they die with the bench, or after 30 minutes). */
function fillHost(): ChildProcess[] {
  const missing = Math.max(0, TARGET_PROCESSES - processCount());
  return Array.from({ length: missing }, (_, i) => spawn('sleep', [`1800.${i}`], { stdio: 'ignore' }));
}

/** What a host typically watches: a few processes, CPU, memory, load, a disk. */
async function createChecks(s: BenchServer, intervalS: number): Promise<number> {
  const interval = `${intervalS}s`;
  const specs: Record<string, unknown> = {
    'bench-cpu': { cpu: { above: 99 }, interval },
    'bench-memory': { memory: { above: 99 }, interval },
    'bench-load': { load: { above: 100 }, interval },
    'bench-disk': { disk: { path: '/', above: 100 }, interval },
  };
  for (let i = 0; i < PROCESS_CHECKS; i++) {
    // Patterns over the full command line: the probe must look at every process.
    specs[`bench-proc-${i}`] = { process: { pattern: `^sleep 1800\\.${i}`, minCount: 0 }, interval };
  }
  for (const [name, spec] of Object.entries(specs)) {
    await admin(s, 'PUT', `/api/v1/checks/${name}`, { metadata: { name }, spec });
  }
  return Object.keys(specs).length;
}

const EXPORTERS = [
  { name: 'process-exporter', bin: '/usr/bin/prometheus-process-exporter', pkg: 'prometheus-process-exporter' },
  { name: 'node-exporter', bin: '/usr/bin/prometheus-node-exporter', pkg: 'prometheus-node-exporter' },
];

async function startPeers(dir: string, summary: Summary): Promise<Peer[]> {
  const peers: Peer[] = [];
  // process-exporter has no default set of processes: every process, grouped by name (its README's example).
  const config = join(dir, 'process-exporter.yml');
  writeFileSync(config, 'process_names:\n  - name: "{{.Comm}}"\n    cmdline:\n      - ".+"\n');
  for (const e of EXPORTERS) {
    if (!existsSync(e.bin)) {
      peerMissing(summary, `${e.name} not run: ${e.bin} is missing (apt-get install -y ${e.pkg})`);
      continue;
    }
    const port = await freePort();
    const args =
      e.name === 'process-exporter'
        ? ['-config.path', config, '-web.listen-address', `127.0.0.1:${port}`]
        : [`--web.listen-address=127.0.0.1:${port}`];
    const child = spawn(e.bin, args, { stdio: 'ignore' });
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    await waitFor(async () => (await fetch(metricsUrl)).ok, START_MS);
    peers.push({ name: e.name, child, metricsUrl });
  }
  summary.add('agent_peers_ran', peers.map((p) => p.name).join(',') || 'none');
  return peers;
}

/** Scrapes each peer every interval, as Prometheus would; the scraper's own cost is not counted. */
function scrapeEvery(peers: Peer[], ms: number): { stop(): void } {
  const scrape = (): void => {
    for (const p of peers)
      void fetch(p.metricsUrl).then(
        (r) => r.arrayBuffer(),
        () => null,
      );
  };
  scrape();
  const timer = setInterval(scrape, ms);
  return { stop: () => clearInterval(timer) };
}
