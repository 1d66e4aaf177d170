// After an outage the agent resends what it queued: batches that would pass
// the server's body limit are split (413), never dropped. 50 checks with long
// patterns (each result ~1.2 KB: the message names the pattern) against a
// server with a 64 KiB limit, stopped for 8 s: ~400 queued results, ~480 KB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from '../helpers/postgres.ts';
import { api, freePort, killAll, startServerProcess, vilicus, waitFor, type ServerProc } from '../helpers/processes.ts';

const CHECKS = 50;
const postgresUrl = inject('postgresUrl');
const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-outage-batches-'));
let databaseUrl: string | undefined;
afterAll(async () => {
  await killAll();
  if (databaseUrl) await dropDatabase(databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

it('stores every result queued during an outage, however large the resend, and drops none', async () => {
  const adminToken = `admin-${crypto.randomUUID()}`;
  const port = await freePort();
  // PostgreSQL when the run has one: the server restarts faster than on the embedded database.
  if (postgresUrl) databaseUrl = await createDatabase(postgresUrl, 'vilicus_outage_batches');
  const env = { VILICUS_BODY_LIMIT: '65536' };
  const start = () => startServerProcess({ dataDir, adminToken, port, databaseUrl, env });
  let server: ServerProc = await start();
  const call = (method: string, path: string, body?: unknown) => api(server.url, adminToken)(method, path, body);
  const token = (await call('POST', '/api/v1/agents', { name: 'outage-host' })).body.token as string;
  const names = Array.from({ length: CHECKS }, (_, i) => `long-${i}`);
  for (const name of names) {
    const pattern = `^no-such-program-${name} ${'x'.repeat(990)}$`; // near the 1024-character limit
    const put = await call('PUT', `/api/v1/checks/${name}`, {
      metadata: { name },
      spec: { process: { pattern, minCount: 0 }, interval: '1s' },
    });
    expect(put.status).toBeLessThan(300);
  }
  const agent = vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: token });
  const history = async (name: string) =>
    ((await call('GET', `/api/v1/checks/${name}/results?limit=1000`)).body.items as { observedAt: string }[])
      .map((r) => Date.parse(r.observedAt))
      .sort((a, b) => a - b);
  // 50 reads a poll: one poll a second, not waitFor's ten.
  const everyCheckHasOneAfter = async (at: number) => (
    await new Promise((r) => setTimeout(r, 1000)),
    (await Promise.all(names.map(history))).every((times) => times.some((t) => t > at))
  );
  await waitFor(
    () => everyCheckHasOneAfter(0),
    60_000,
    () => agent.output(),
  );

  expect(await server.stop()).toBe(0);
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, 8000)); // the outage
  const upAt = Date.now();
  server = await start();
  // Every check has a result from after the restart: the agent has got past the backlog.
  await waitFor(
    () => everyCheckHasOneAfter(upAt + 2000),
    120_000,
    () => agent.output(),
  );

  for (const name of names) {
    const times = (await history(name)).filter((t) => t >= downAt - 2000 && t <= upAt + 2000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Once a second each (a busy machine stretches that); before the fix the outage was one gap of ~8 s.
    expect({ name, longestGapMs: Math.max(...gaps) < 4000, count: times.length >= 8 }).toEqual({
      name,
      longestGapMs: true,
      count: true,
    });
  }
  expect(agent.output()).not.toMatch(/refused/);
  expect(agent.output()).toMatch(/post failed/);
}, 240_000);
