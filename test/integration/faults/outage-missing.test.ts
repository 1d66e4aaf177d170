// A database outage is not every agent going missing (issue 13, bug 4): the
// server could not hear its agents while PostgreSQL was down, so their
// deadlines move by that time (and past the agents' retry backoff). An agent
// that reports through the outage is never marked missing; one that really
// went silent still is, once the extended deadline has passed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPostgres, type LocalPostgres } from '../../helpers/local-postgres.ts';
import { createDatabase } from '../../helpers/postgres.ts';
import { api, killAll, startServerProcess, uniqueSleep, vilicus, waitFor, type Proc } from '../../helpers/processes.ts';
import { tool } from '../../helpers/tools.ts';

const postgres = tool('/usr/lib/postgresql', 'postgresql', 'PostgreSQL');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(postgres.run)('a PostgreSQL outage and missing agents', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-outage-'));
  let cluster: LocalPostgres;
  beforeAll(async () => {
    postgres.require();
    cluster = await startLocalPostgres();
  }, 60_000);
  afterAll(async () => {
    await killAll();
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('marks no agent missing for the outage, and a silent one still', async () => {
    const databaseUrl = await createDatabase(cluster.url, 'vilicus_outage');
    const adminToken = `admin-${crypto.randomUUID()}`;
    const server = await startServerProcess({ dataDir, adminToken, databaseUrl });
    const admin = api(server.url, adminToken);
    const sleeper = uniqueSleep();
    await admin('PUT', '/api/v1/checks/sleeper', {
      metadata: { name: 'sleeper' },
      spec: { process: { pattern: `^sleep ${sleeper.marker.replace('.', '\\.')}$` }, interval: '1s' },
    });
    const start = async (name: string): Promise<Proc> => {
      const created = await admin('POST', '/api/v1/agents', { name });
      return vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: created.body.token });
    };
    const steady = await start('host-steady');
    const silent = await start('host-silent');
    const agentStates = async () =>
      ((await admin('GET', '/api/v1/checks/sleeper')).body.status.agents as { agent: string; status: string }[]).map(
        (a) => `${a.agent}=${a.status}`,
      );
    await waitFor(
      async () => (await agentStates()).sort().join() === 'host-silent=OK,host-steady=OK',
      120_000,
      () => steady.output() + silent.output(),
    );

    // A deadline is set by a check-in, which follows a cycle's results: stopped between the two, an
    // agent would have no deadline to miss (seen at load 9–13, 1 run in 3).
    const seen = async (name: string) => (await admin('GET', `/api/v1/agents/${name}`)).body.lastSeenAt !== null;
    await waitFor(async () => (await seen('host-steady')) && (await seen('host-silent')), 60_000);
    silent.child.kill('SIGSTOP'); // silent from now on, like a hung host
    // Down for longer than the 3 × 1 s window: without the credit, both agents are past their deadline.
    await cluster.restart(async () => void (await pause(6000)));

    const agent = async (name: string) => (await admin('GET', `/api/v1/agents/${name}`)).body as { missing: boolean };
    await waitFor(
      async () => (await agent('host-silent')).missing,
      90_000,
      () =>
        server
          .output()
          .split('\n')
          .filter((l) => l.includes('"component":"sweeps"'))
          .join('\n'),
    );
    // Both deadlines were moved to the same floor after the recovery: the sweep that found the
    // silent one past it found the steady one checked in since.
    expect((await agent('host-steady')).missing).toBe(false);
    const mails = (await admin('GET', '/api/v1/notifications?limit=100')).body.items as {
      kind: string;
      agent: string;
    }[];
    expect(mails.filter((n) => n.kind === 'agent-missing').map((n) => n.agent)).toEqual(['host-silent']);
    expect(server.output()).toContain('database back: agent deadlines extended');
  }, 150_000);
});
