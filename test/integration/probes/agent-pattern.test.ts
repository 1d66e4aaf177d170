// A pattern that is catastrophic for a backtracking engine, against a real
// process whose command line triggers it: the agent still posts, checks in
// and stops on SIGTERM. A pattern no linear-time engine can run is refused.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from '../../helpers/postgres.ts';
import { api, killAll, startServerProcess, vilicus, waitFor } from '../../helpers/processes.ts';

const postgresUrl = inject('postgresUrl');
const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-pattern-'));
let databaseUrl: string | undefined;
// Its command line is `aaaa…a! 600`: `^(a+)+$` tries 2^40 ways to split the a's before it fails.
const evil = spawn('sleep', ['600'], { argv0: `${'a'.repeat(40)}!`, stdio: 'ignore' });
afterAll(async () => {
  evil.kill('SIGKILL');
  await killAll();
  if (databaseUrl) await dropDatabase(databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

it('runs a catastrophic pattern in bounded time: the agent reports, checks in and stops on SIGTERM', async () => {
  const adminToken = `admin-${crypto.randomUUID()}`;
  // PostgreSQL when the run has one: it starts faster than the embedded database on a busy machine.
  if (postgresUrl) databaseUrl = await createDatabase(postgresUrl, 'vilicus_pattern');
  const server = await startServerProcess({ dataDir, adminToken, databaseUrl });
  const call = api(server.url, adminToken);
  const refused = await call('PUT', '/api/v1/checks/backref', {
    metadata: { name: 'backref' },
    spec: { process: { pattern: '^(a+)\\1$' } },
  });
  expect(refused.status).toBe(400);
  expect(refused.body).toMatchObject({ error: 'VILICUS_ERR_INVALID_CHECK', field: 'body/spec/process/pattern' });

  const accepted = await call('PUT', '/api/v1/checks/nested', {
    metadata: { name: 'nested' },
    spec: { process: { pattern: '^(a+)+$', minCount: 0, maxCount: 0 }, interval: '1s' },
  });
  expect(accepted.status).toBeLessThan(300);
  const { body: added } = await call('POST', '/api/v1/agents', { name: 'pattern-host' });
  const agent = vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: added.token });
  const results = async () =>
    ((await call('GET', '/api/v1/checks/nested/results')).body.items as { status: string }[]).length;
  // Results keep coming, one a second: the probe returns, cycle after cycle.
  await waitFor(
    async () => (await results()) >= 3,
    30_000,
    () => agent.output(),
  );
  const { body: seen } = await call('GET', '/api/v1/agents/pattern-host');
  expect(seen.lastSeenAt).not.toBeNull(); // checked in
  expect((await call('GET', '/api/v1/checks/nested')).body.status.agents[0]).toMatchObject({ status: 'OK' });
  const stopped = await Promise.race([agent.stop('SIGTERM'), new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
  expect(stopped).toBe(0);
}, 120_000);
