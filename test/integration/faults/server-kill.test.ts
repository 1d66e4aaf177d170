// The server is SIGKILLed under load and started again: every result the
// load generator got acknowledged is stored, and none is stored twice (half
// the simulated agents send ids, half let the server derive them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dbKinds } from '../../helpers/app.ts';
import { createDatabase, dropDatabase } from '../../helpers/postgres.ts';
import { freePort, killAll, startServerProcess, type ServerProc } from '../../helpers/processes.ts';
import { registerAgents, simulateAgents } from '../../helpers/sim-agents.ts';
import { compare, storedResults } from './stored.ts';

const postgresUrl = inject('postgresUrl');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(dbKinds(postgresUrl))('server SIGKILL under load on %s', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-fault-kill-'));
  let databaseUrl: string | undefined;
  afterAll(async () => {
    await killAll();
    if (databaseUrl) await dropDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged result and stores none twice', async () => {
    if (kind === 'postgres') databaseUrl = await createDatabase(postgresUrl!, 'vilicus_fault_kill');
    const adminToken = `admin-${crypto.randomUUID()}`;
    const port = await freePort();
    const start = () => startServerProcess({ dataDir, adminToken, databaseUrl, port });
    let server: ServerProc = await start();
    const { agents } = await registerAgents(server.url, adminToken, 6, 5, 'kill');
    const load = simulateAgents({ url: server.url, agents, batch: 20, durationMs: 9000, ids: 'mixed', keep: true });
    await pause(2500);
    await server.stop('SIGKILL');
    server = await start(); // the agents keep resending the same batches meanwhile
    const report = await load;
    expect(await server.stop()).toBe(0);

    const rows = await storedResults({ databaseUrl, dataDir });
    expect(report.failedAttempts).toBeGreaterThan(0); // the kill was felt
    expect(report.unacknowledged).toBe(0);
    expect(report.acknowledged).toBeGreaterThan(100);
    expect(compare(report, rows)).toEqual({ missing: 0, twice: 0, extra: 0 });
  });
});
