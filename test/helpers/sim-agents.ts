// Simulated agents for load: each posts results over HTTP as the real agent
// does (same ids on a retry, until acknowledged), optionally with the whole
// conversation (config poll, post, check-out). Used by the fault tests and the
// benchmarks (bench/), so "acknowledged" means the same thing in both.
// Only loopback servers: the caller passes the URL of a server it started.
import { Agent, request } from 'undici';
import type { ResultIn } from '../../contract/index.ts';

export interface SimAgent {
  id: string;
  token: string;
  checks: string[];
}

export interface SimOptions {
  url: string;
  agents: SimAgent[];
  /** Results per POST; 1 posts a bare object (the seed's form), more post an array. */
  batch: number;
  durationMs: number;
  /** Total results per second over all agents; unset = as fast as replies come. */
  ratePerSec?: number;
  /** Also poll the config (ETag) and check out every cycle, as a real agent does. */
  conversation?: boolean;
  /** Results carry a client id (true), none (false: the server derives it), or alternate by agent. */
  ids?: boolean | 'mixed';
  /** Keep every acknowledged result (for loss/duplicate checks). */
  keep?: boolean;
  /** Give up resending a batch this long after the run's end. */
  graceMs?: number;
}

export interface SimReport {
  acknowledged: number;
  posts: number;
  failedAttempts: number;
  /** Results that were never acknowledged (the server never came back in time). */
  unacknowledged: number;
  latenciesMs: number[];
  /** When each post of latenciesMs was sent (ms since the epoch), for latency over a stretch of the run. */
  sentAt: number[];
  elapsedMs: number;
  kept: { agentId: string; result: ResultIn }[];
  statuses: Record<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * undici's request rather than fetch: the load generator shares the 2 cores
 * with the server it measures, and fetch's WHATWG layers cost it 4 to 5 times
 * the CPU per call (measured: 260 µs against 55 µs). One connection per agent,
 * kept alive, as real agents do.
 */
const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: null });

/** Runs every agent's loop until durationMs is over; resolves with what the server acknowledged. */
export async function simulateAgents(options: SimOptions): Promise<SimReport> {
  const report: SimReport = {
    acknowledged: 0,
    posts: 0,
    failedAttempts: 0,
    unacknowledged: 0,
    latenciesMs: [],
    sentAt: [],
    elapsedMs: 0,
    kept: [],
    statuses: {},
  };
  const started = Date.now();
  const endAt = started + options.durationMs;
  await Promise.all(options.agents.map((agent, i) => agentLoop(options, agent, i, endAt, report)));
  report.elapsedMs = Date.now() - started;
  return report;
}

// One clock per agent across runs: a series' observed times only ever increase, as a real agent's do. A run
// ahead of the wall clock (a millisecond per result, faster than real time) would otherwise let the next run
// reuse its (check, agent, observed time), which the server stores once (ADR 10): counted as lost.
const clocks = new WeakMap<SimAgent, { last: number; next: number }>();
function clockOf(agent: SimAgent): { last: number; next: number } {
  let clock = clocks.get(agent);
  if (!clock) clocks.set(agent, (clock = { last: 0, next: 0 }));
  return clock;
}

async function agentLoop(o: SimOptions, agent: SimAgent, index: number, endAt: number, r: SimReport): Promise<void> {
  const withIds = o.ids === 'mixed' ? index % 2 === 0 : (o.ids ?? true);
  const clock = clockOf(agent);
  // Paced agents start at random phases, as real ones do.
  const periodMs = o.ratePerSec ? (o.batch * o.agents.length * 1000) / o.ratePerSec : 0;
  let dueAt = Date.now() + Math.random() * periodMs;
  let etag: string | null = null;
  while (Date.now() < endAt) {
    if (periodMs > 0) await sleep(Math.max(0, dueAt - Date.now()));
    if (Date.now() >= endAt) break;
    dueAt = Math.max(dueAt + periodMs, Date.now());
    if (o.conversation) etag = await pollConfig(o.url, agent, etag, r);
    const results = makeResults(agent, o.batch, withIds, clock);
    const acked = await postUntilAcknowledged(o, agent, results, endAt + (o.graceMs ?? 30_000), r);
    if (!acked) break;
    if (o.conversation) await call(o.url, agent.token, 'PUT', `/api/v1/agent/${agent.id}/`, {}, r);
  }
}

function makeResults(agent: SimAgent, count: number, withIds: boolean, clock: { last: number; next: number }) {
  const results: ResultIn[] = [];
  for (let i = 0; i < count; i++) {
    // Strictly increasing per agent: without ids, the derived id must differ per result.
    clock.last = Math.max(Date.now(), clock.last + 1);
    const check = agent.checks[clock.next++ % agent.checks.length]!;
    // Mostly steady, a few changes: evaluation writes transitions and outbox rows too.
    const status = Math.random() < 0.01 ? 'CRITICAL' : 'OK';
    const result: ResultIn = { check, status, value: 1, observedAt: new Date(clock.last).toISOString() };
    results.push(withIds ? { id: crypto.randomUUID(), ...result } : result);
  }
  return results;
}

async function postUntilAcknowledged(
  o: SimOptions,
  agent: SimAgent,
  results: ResultIn[],
  giveUpAt: number,
  r: SimReport,
): Promise<boolean> {
  const body = o.batch === 1 ? results[0] : results;
  for (let delay = 50; Date.now() < giveUpAt; delay = Math.min(delay * 2, 1000)) {
    const [sentAt, started] = [Date.now(), performance.now()];
    const status = await call(o.url, agent.token, 'POST', '/api/v1/check_history/', body, r);
    if (status === 200) {
      r.latenciesMs.push(performance.now() - started);
      r.sentAt.push(sentAt);
      r.posts++;
      r.acknowledged += results.length;
      if (o.keep) for (const result of results) r.kept.push({ agentId: agent.id, result });
      return true;
    }
    r.failedAttempts++;
    if (status !== 0 && status < 500 && status !== 429) throw new Error(`post refused with ${status}`);
    await sleep(delay);
  }
  r.unacknowledged += results.length;
  return false;
}

async function pollConfig(url: string, agent: SimAgent, etag: string | null, r: SimReport): Promise<string | null> {
  try {
    const response = await request(`${url}/api/v1/agent/config`, {
      dispatcher,
      headers: { authorization: `Bearer ${agent.token}`, ...(etag ? { 'if-none-match': etag } : {}) },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    await response.body.dump();
    count(r, response.statusCode);
    const tag = response.headers.etag;
    return typeof tag === 'string' ? tag : etag;
  } catch {
    count(r, 0);
    return etag;
  }
}

/** One call; the status, or 0 when the server could not be reached. */
async function call(url: string, token: string, method: 'POST' | 'PUT', path: string, body: unknown, r: SimReport) {
  try {
    const response = await request(`${url}${path}`, {
      dispatcher,
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    await response.body.dump();
    count(r, response.statusCode);
    return response.statusCode;
  } catch {
    count(r, 0);
    return 0;
  }
}

function count(r: SimReport, status: number): void {
  r.statuses[status] = (r.statuses[status] ?? 0) + 1;
}

/** Registers `count` agents and `checks` CPU checks every agent runs, through the admin API. */
export async function registerAgents(url: string, adminToken: string, count: number, checks: number, prefix = 'sim') {
  const admin = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as any;
  };
  const checkIds: string[] = [];
  for (let i = 0; i < checks; i++) {
    const doc = { metadata: { name: `${prefix}-check-${i}` }, spec: { cpu: { above: 90 }, interval: '10s' } };
    checkIds.push((await admin('PUT', `/api/v1/checks/${prefix}-check-${i}`, doc)).metadata.uid);
  }
  const agents: SimAgent[] = [];
  for (let i = 0; i < count; i += 20) {
    const names = Array.from({ length: Math.min(20, count - i) }, (_, k) => `${prefix}-agent-${i + k}`);
    const created = await Promise.all(names.map((name) => admin('POST', '/api/v1/agents', { name })));
    for (const a of created) agents.push({ id: a.id, token: a.token, checks: checkIds });
  }
  return { agents, checkIds };
}
