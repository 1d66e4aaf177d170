// The agent's cycle with a hung endpoint among its checks: the quick results
// are posted and the agent checks in without waiting for it; the hung one's
// result follows in a later post, once its timeout has passed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../agent/agent.ts';
import type { ServerClient } from '../../../agent/client.ts';
import { createAgentLogger } from '../../../agent/log.ts';
import type { AgentCheck, AgentConfig, ResultIn } from '../../../contract/index.ts';
import { waitFor } from '../../helpers/processes.ts';
import { checkOf } from '../../unit/agent/probes/fixtures.ts';
import { httpServer, tcpListener, type Endpoint } from './endpoints.ts';

interface Recorded {
  posts: { atMs: number; results: ResultIn[] }[];
  checkOuts: number[];
}

/** A server that takes everything and notes when each call came, in ms since the start. */
function recordingClient(checks: AgentCheck[], started: number, seen: Recorded): ServerClient {
  const config: AgentConfig = {
    agent: {
      id: crypto.randomUUID(),
      name: 'a',
      labels: {},
      createdAt: new Date().toISOString(),
      lastSeenAt: null,
      missing: false,
      version: null,
    },
    checks,
  };
  return {
    whoami: () => Promise.resolve(config.agent),
    config: (etag) => Promise.resolve(etag === null ? { config, etag: '"1"' } : null),
    post: (results) => {
      seen.posts.push({ atMs: performance.now() - started, results: [...results] });
      return Promise.resolve({ accepted: results.length, duplicates: 0, rejected: [] });
    },
    checkOut: () => {
      seen.checkOuts.push(performance.now() - started);
      return Promise.resolve();
    },
  };
}

describe('agent cycle with a hung endpoint', () => {
  let server: Endpoint;
  let listener: Endpoint;
  beforeAll(async () => {
    server = await httpServer();
    listener = await tcpListener();
  });
  afterAll(async () => Promise.all([server?.close(), listener?.close()]));

  it('posts the quick results and checks in before the hung probe times out', async () => {
    const hung = checkOf('http', { url: `http://127.0.0.1:${server.port}/hang`, timeout: '2s' }, 60);
    const quick = [
      checkOf('tcp', { host: '127.0.0.1', port: listener.port, timeout: '2s' }, 60),
      checkOf('http', { url: `http://127.0.0.1:${server.port}/`, timeout: '2s' }, 60),
      checkOf('memory', { above: 100 }, 60),
    ];
    const seen: Recorded = { posts: [], checkOuts: [] };
    const started = performance.now();
    const agent = new Agent({
      client: recordingClient([hung, ...quick], started, seen),
      log: createAgentLogger('silent', 'test'),
      queueSize: 100,
      version: 'test',
      cycleWaitMs: 300,
    });
    const running = agent.run();
    try {
      await waitFor(async () => seen.posts.some((p) => p.results.some((r) => r.check === hung.id)), 60_000);
    } finally {
      agent.stop();
      await running;
    }

    // In order, not against the clock: the quick results and the check-in come
    // before the hung probe's result, which cannot come before its 2 s timeout.
    const [first, ...later] = seen.posts;
    expect(first!.results.map((r) => r.check).sort()).toEqual(quick.map((c) => c.id).sort());
    expect(first!.results.every((r) => r.status === 'OK')).toBe(true);
    const hungPost = later.find((p) => p.results.some((r) => r.check === hung.id))!;
    expect(first!.atMs).toBeLessThan(hungPost.atMs);
    expect(seen.checkOuts[0]).toBeLessThan(hungPost.atMs);
    expect(hungPost.atMs).toBeGreaterThanOrEqual(1900);
    expect(hungPost.results).toEqual([
      expect.objectContaining({
        check: hung.id,
        status: 'CRITICAL',
        message: `GET http://127.0.0.1:${server.port}/hang: no answer within 2s`,
      }),
    ]);
  });
});

describe('agent timers', () => {
  it('sleeps until a check past the timer limit (720h) is due instead of spinning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): number => warnings.push(warning.name);
    process.on('warning', onWarning);
    const seen: Recorded = { posts: [], checkOuts: [] };
    const client = recordingClient([checkOf('memory', { above: 100 }, 720 * 3600)], performance.now(), seen);
    let configPolls = 0;
    const agent = new Agent({
      client: { ...client, config: (etag) => (configPolls++, client.config(etag)) },
      log: createAgentLogger('silent', 'test'),
      queueSize: 100,
      version: 'test',
    });
    const running = agent.run();
    while (seen.checkOuts.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    // The loop has gone to sleep; a delay past the limit would have warned by now (next tick) and fired in 1 ms.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    agent.stop();
    await running;
    process.off('warning', onWarning);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
    expect(configPolls).toBe(1);
  });
});
