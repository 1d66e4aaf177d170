// SIGTERM under load: the group commit drains. Every result the server
// acknowledged before it stopped is stored, once, and the process exits 0 —
// read from the database after the process is gone, with no restart (and so
// no resend) to cover for a lost one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dbKinds } from '../../helpers/app.ts';
import { createDatabase, dropDatabase } from '../../helpers/postgres.ts';
import { killAll, startServerProcess, waitFor } from '../../helpers/processes.ts';
import { registerAgents, simulateAgents } from '../../helpers/sim-agents.ts';
import { compare, storedResults } from './stored.ts';

const postgresUrl = inject('postgresUrl');

/** The server's own count of stored results (its /metrics). */
async function ingested(url: string, adminToken: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith('vilicus_results_ingested_total'));
  return line ? Number(line.split(/\s+/).at(-1)) : 0;
}

describe.each(dbKinds(postgresUrl))('server SIGTERM under load on %s', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-fault-term-'));
  let databaseUrl: string | undefined;
  afterAll(async () => {
    await killAll();
    if (databaseUrl) await dropDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every result it acknowledged before stopping, once, and exits 0', async () => {
    if (kind === 'postgres') databaseUrl = await createDatabase(postgresUrl!, 'vilicus_fault_term');
    const adminToken = `admin-${crypto.randomUUID()}`;
    const server = await startServerProcess({ dataDir, adminToken, databaseUrl });
    const { agents } = await registerAgents(server.url, adminToken, 6, 5, 'term');
    // No grace: after the stop, what was not acknowledged stays so (no server comes back).
    const load = simulateAgents({ url: server.url, agents, batch: 20, durationMs: 20_000, keep: true, graceMs: 0 });
    // Mid-load, whenever the machine gets there: results are flowing into commits.
    await waitFor(
      async () => (await ingested(server.url, adminToken)) >= 200,
      120_000,
      () => server.output(),
    );
    expect(await server.stop('SIGTERM')).toBe(0);
    const report = await load;

    const rows = await storedResults({ databaseUrl, dataDir });
    expect(report.acknowledged).toBeGreaterThanOrEqual(200);
    const { missing, twice } = compare(report, rows);
    expect({ missing, twice }).toEqual({ missing: 0, twice: 0 });
  });
});
