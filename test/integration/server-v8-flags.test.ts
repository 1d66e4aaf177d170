// `vilicus server` runs with its V8 flags on either database (ADR 9): the
// process the caller started carries them, and under a burst of results its
// young generation stays within the semi-spaces they set (V8 would otherwise
// size it from the machine's memory: 2 × 64 MiB on a 24 GiB host).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { serverEnvironment, serverV8Flags } from '../../server/v8-flags.ts';
import { dbKinds } from '../helpers/app.ts';
import { createDatabase, dropDatabase } from '../helpers/postgres.ts';
import { killAll, startServerProcess } from '../helpers/processes.ts';
import { registerAgents, simulateAgents } from '../helpers/sim-agents.ts';

const postgresUrl = inject('postgresUrl');

/** The young generation's size now, from the server's own /metrics (bytes). */
async function youngGeneration(url: string): Promise<number> {
  const series = 'nodejs_heap_space_size_total_bytes{space="new"} ';
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith(series))!
      .slice(series.length),
  );
}

describe.each(dbKinds(postgresUrl))('vilicus server on %s', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-v8-flags-'));
  let databaseUrl: string | undefined;
  afterAll(async () => {
    await killAll();
    if (databaseUrl) await dropDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs with its V8 flags and environment, and its young generation stays within their semi-spaces under load', async () => {
    if (kind === 'postgres') databaseUrl = await createDatabase(postgresUrl!, 'vilicus_v8_flags');
    const adminToken = `admin-${crypto.randomUUID()}`;
    const server = await startServerProcess({ dataDir, adminToken, databaseUrl });
    const flags = serverV8Flags(kind === 'pglite');
    const argv = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0');
    expect(argv.slice(1, 1 + flags.length)).toEqual(flags);
    const environ = readFileSync(`/proc/${server.child.pid}/environ`, 'utf8').split('\0');
    for (const [name, value] of Object.entries(serverEnvironment(kind === 'pglite'))) {
      expect(environ).toContain(`${name}=${value}`);
    }

    const { agents } = await registerAgents(server.url, adminToken, 8, 10, 'v8');
    const burst = await simulateAgents({ url: server.url, agents, batch: 50, durationMs: 3000 });
    expect(burst.acknowledged).toBeGreaterThan(0);
    const semiSpaceMiB = Number(flags.find((f) => f.startsWith('--max-semi-space-size='))!.split('=')[1]);
    // Two semi-spaces (V8 without pointer compression, as Node builds it).
    expect(await youngGeneration(server.url)).toBeLessThanOrEqual(2 * semiSpaceMiB * 2 ** 20);
  });
});
