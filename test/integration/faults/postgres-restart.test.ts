// PostgreSQL goes down under load and comes back: while it is down the API
// answers 503 VILICUS_ERR_DATABASE_UNAVAILABLE; a real agent and simulated
// agents keep their results and resend them; nothing is lost or doubled.
// Needs a cluster of its own to restart: the local PostgreSQL binaries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findBindir, postgresRoot, startLocalPostgres, type LocalPostgres } from '../../helpers/local-postgres.ts';
import { service } from '../../helpers/tools.ts';
import { createDatabase } from '../../helpers/postgres.ts';
import { api, killAll, startServerProcess, uniqueSleep, vilicus, waitFor } from '../../helpers/processes.ts';
import { registerAgents, simulateAgents } from '../../helpers/sim-agents.ts';
import { compare, storedResults } from './stored.ts';

const binaries = service(
  'PostgreSQL',
  findBindir() !== undefined,
  `no ${postgresRoot()}/*/bin/initdb; apt-get install -y postgresql`,
);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(binaries.run)('PostgreSQL restarted under load', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-fault-pg-'));
  let cluster: LocalPostgres | undefined;
  afterAll(async () => {
    await killAll();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 while it is down, then stores every result once', async () => {
    binaries.require();
    cluster = await startLocalPostgres();
    const databaseUrl = await createDatabase(cluster.url, 'vilicus_fault_pg');
    const adminToken = `admin-${crypto.randomUUID()}`;
    const server = await startServerProcess({ dataDir, adminToken, databaseUrl });
    const admin = api(server.url, adminToken);
    const { agents } = await registerAgents(server.url, adminToken, 4, 5, 'pg');
    const agent = await startRealAgent(server.url, admin);

    const load = simulateAgents({ url: server.url, agents, batch: 10, durationMs: 10_000, ids: 'mixed', keep: true });
    await pause(2000);
    let downAt = 0;
    let upAt = 0;
    await cluster.restart(async () => {
      downAt = Date.now();
      await expectUnavailable(server.url, adminToken);
      await pause(2000);
      upAt = Date.now();
    });
    const report = await load;

    expect(report.statuses['503']).toBeGreaterThan(0); // the simulated agents saw the outage too
    expect(report.unacknowledged).toBe(0);
    expect(compare(report, await storedResults({ databaseUrl, dataDir }))).toEqual({ missing: 0, twice: 0, extra: 0 });
    // The real agent's results observed during the outage arrive later, each once.
    type Item = { observedAt: string };
    const inOutage = (items: Item[]) =>
      items.filter((r) => Date.parse(r.observedAt) > downAt && Date.parse(r.observedAt) < upAt);
    const history = async () => (await admin('GET', '/api/v1/checks/sleeper/results?limit=1000')).body.items as Item[];
    await waitFor(
      async () => inOutage(await history()).length >= 2,
      20_000,
      () => agent.output(),
    );
    const items = await history();
    expect(new Set(items.map((r) => r.observedAt)).size).toBe(items.length);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});

async function startRealAgent(url: string, admin: ReturnType<typeof api>) {
  const created = await admin('POST', '/api/v1/agents', { name: 'host-pg' });
  const sleeper = uniqueSleep();
  await admin('PUT', '/api/v1/checks/sleeper', {
    metadata: { name: 'sleeper' },
    spec: { process: { pattern: `^sleep ${sleeper.marker.replace('.', '\\.')}$` }, interval: '1s' },
  });
  const agent = vilicus(['agent', '--server', url], { VILICUS_TOKEN: created.body.token });
  await waitFor(
    async () => (await admin('GET', '/api/v1/checks/sleeper')).body.status.agents[0]?.status === 'OK',
    20_000,
    () => agent.output(),
  );
  return agent;
}

/** The API and readiness say "database unavailable", as JSON, while PostgreSQL is down. */
async function expectUnavailable(url: string, adminToken: string): Promise<void> {
  const checks = await api(url, adminToken)('GET', '/api/v1/checks');
  expect(checks).toMatchObject({ status: 503, body: { error: 'VILICUS_ERR_DATABASE_UNAVAILABLE' } });
  expect((await fetch(`${url}/readyz`)).status).toBe(503);
}
