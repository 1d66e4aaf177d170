// The agent against a server that goes away: results wait and are resent
// once, with their ids; an agent that stops reporting is marked missing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds } from '../helpers/app.ts';
import { createDatabase, dropDatabase } from '../helpers/postgres.ts';
import {
  api,
  freePort,
  killAll,
  startServerProcess,
  uniqueSleep,
  vilicus,
  waitFor,
  type Proc,
  type ServerProc,
} from '../helpers/processes.ts';

const postgresUrl = inject('postgresUrl');
type Result = { id: string; status: string; observedAt: string };

/** The agent's count of undelivered results in one log line; 0 for a line cut by the slice or interleaved. */
function queuedOf(line: string): number {
  try {
    return (JSON.parse(line) as { queued?: number }).queued ?? 0;
  } catch {
    return 0;
  }
}

describe.each(dbKinds(postgresUrl))('agent resilience on %s', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-resilience-'));
  const adminToken = `admin-${crypto.randomUUID()}`;
  let databaseUrl: string | undefined;
  let port: number;
  let server: ServerProc;
  let agent: Proc;
  const call = (method: string, path: string, body?: unknown) => api(server.url, adminToken)(method, path, body);
  const state = async () => (await call('GET', '/api/v1/checks/sleeper')).body.status.agents[0];

  beforeAll(async () => {
    if (kind === 'postgres') databaseUrl = await createDatabase(postgresUrl!, 'vilicus_resilience');
    port = await freePort();
    server = await startServerProcess({ dataDir, adminToken, databaseUrl, port });
    const created = await call('POST', '/api/v1/agents', { name: 'host-r' });
    const sleeper = uniqueSleep();
    await call('PUT', '/api/v1/checks/sleeper', {
      metadata: { name: 'sleeper' },
      spec: { process: { pattern: `^sleep ${sleeper.marker.replace('.', '\\.')}$` }, interval: '1s' },
    });
    agent = vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: created.body.token });
    await waitFor(
      async () => (await state())?.status === 'OK',
      20_000,
      () => agent.output(),
    );
  });
  afterAll(async () => {
    await killAll();
    if (databaseUrl) await dropDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps results while the server is down and resends each exactly once when it is back', async () => {
    const loggedBefore = agent.output().length;
    expect(await server.stop()).toBe(0);
    const downAt = Date.now();
    // Down until the agent's own log says it queued 3 more results since its
    // first failed post (so 3 observed during the outage), however long that takes.
    const queuedCounts = (): number[] =>
      agent
        .output()
        .slice(loggedBefore)
        .split('\n')
        .filter((line) => line.includes('"post failed"'))
        .map(queuedOf)
        .filter((n) => n > 0);
    await waitFor(
      async () => {
        const counts = queuedCounts();
        return counts.length > 0 && counts.at(-1)! - counts[0]! >= 3;
      },
      120_000,
      () => agent.output(),
    );
    const upAt = Date.now();
    server = await startServerProcess({ dataDir, adminToken, databaseUrl, port });
    const inOutage = (items: Result[]) =>
      items.filter((r) => Date.parse(r.observedAt) > downAt && Date.parse(r.observedAt) < upAt);
    const history = async () => (await call('GET', '/api/v1/checks/sleeper/results?limit=1000')).body.items as Result[];
    await waitFor(
      async () => inOutage(await history()).length >= 3,
      120_000,
      () => agent.output(),
    );
    const items = await history();
    expect(new Set(items.map((r) => r.observedAt)).size).toBe(items.length); // nothing stored twice
    expect(inOutage(items).every((r) => r.status === 'OK')).toBe(true);
    expect(agent.output()).toMatch(/post failed/);
  });

  it('marks a stopped agent missing, its states UNKNOWN, and back when it resumes', async () => {
    // Seen again after the outage before it is stopped (it may still be flagged from then).
    await waitFor(async () => (await call('GET', '/api/v1/agents/host-r')).body.missing === false, 120_000);
    agent.child.kill('SIGSTOP');
    // How soon is bench/'s figure; here, that it happens at all and what it does.
    await waitFor(
      async () => (await call('GET', '/api/v1/agents/host-r')).body.missing === true,
      60_000,
      () => server.output(),
    );
    expect(await state()).toMatchObject({ status: 'UNKNOWN', message: 'agent missing' });
    agent.child.kill('SIGCONT');
    // Back: a fresh result turns the state OK, and its check-in clears the flag (two writes, either first).
    await waitFor(
      async () =>
        (await state())?.status === 'OK' && (await call('GET', '/api/v1/agents/host-r')).body.missing === false,
      120_000,
      () => agent.output(),
    );
  });
});
