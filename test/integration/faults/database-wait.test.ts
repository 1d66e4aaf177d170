// The server starts before its database (issue 13, bug 1): it listens at once
// (/healthz 200, /readyz and the API 503 naming the database), retries with
// backoff, logging a JSON record per attempt, and becomes ready when the
// database comes — a PostgreSQL not started yet, or a database not created
// yet — without ever exiting. Past --db-wait it exits 1 with a JSON fatal record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres, type LocalPostgres } from '../../helpers/local-postgres.ts';
import { createDatabase } from '../../helpers/postgres.ts';
import { freePort, killAll, START_MS, vilicus, waitFor, type Proc } from '../../helpers/processes.ts';
import { tool } from '../../helpers/tools.ts';

const postgres = tool('/usr/lib/postgresql', 'postgresql', 'PostgreSQL');
type LogRecord = { level: number; msg: string; code?: string; nextDelayMs?: number; attempt?: number };

function records(proc: Proc): LogRecord[] {
  return proc
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogRecord);
}

async function startWaiting(databaseUrl: string, extra: string[] = []): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-dbwait-'));
  dirs.push(dataDir);
  const args = ['server', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, ...extra];
  const proc = vilicus([...args, '--database-url', databaseUrl], { VILICUS_ADMIN_TOKEN: 'admin-dbwait' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${url}/healthz`)).status === 200,
    START_MS,
    () => proc.output(),
  );
  return { proc, url };
}

async function expectWaiting(url: string, target: string): Promise<void> {
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(503);
  const body = (await ready.json()) as { error: string; message: string };
  expect(body.error).toBe('VILICUS_ERR_DATABASE_UNAVAILABLE');
  expect(body.message).toContain(target);
  const checks = await fetch(`${url}/api/v1/checks`, { headers: { authorization: 'Bearer admin-dbwait' } });
  expect(checks.status).toBe(503);
  expect(((await checks.json()) as { error: string }).error).toBe('VILICUS_ERR_DATABASE_UNAVAILABLE');
}

const hostPortDb = (databaseUrl: string): string => {
  const u = new URL(databaseUrl);
  return `${u.hostname}:${u.port}${u.pathname}`;
};
const dirs: string[] = [];

describe.runIf(postgres.run)('the server waits for its database', () => {
  let cluster: LocalPostgres;
  beforeAll(async () => {
    postgres.require();
    cluster = await startLocalPostgres();
  }, 60_000);
  afterAll(async () => {
    await killAll();
    await cluster?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('listens while PostgreSQL is not running yet, and becomes ready when it starts', async () => {
    const databaseUrl = await createDatabase(cluster.url, 'vilicus_dbwait');
    let server: { proc: Proc; url: string } | undefined;
    await cluster.restart(async () => {
      server = await startWaiting(databaseUrl);
      await waitFor(
        async () => records(server!.proc).filter((r) => r.code === 'ECONNREFUSED').length >= 2,
        60_000,
        () => server!.proc.output(),
      );
      await expectWaiting(server.url, hostPortDb(databaseUrl));
    });
    const { proc, url } = server!;
    await waitFor(
      async () => (await fetch(`${url}/readyz`)).status === 200,
      60_000,
      () => proc.output(),
    );
    expect(proc.child.exitCode).toBeNull();
    const retries = records(proc).filter((r) => r.code === 'ECONNREFUSED');
    expect(retries[0]).toMatchObject({ level: 40, attempt: 1 });
    expect(retries.every((r) => typeof r.nextDelayMs === 'number' && r.nextDelayMs > 0)).toBe(true);
    expect((await fetch(`${url}/api/v1/checks`, { headers: { authorization: 'Bearer admin-dbwait' } })).status).toBe(
      200,
    );
  }, 300_000);

  it('waits for a database that does not exist yet, and becomes ready once it is created', async () => {
    const name = `vilicus_later_${Date.now()}`;
    const databaseUrl = Object.assign(new URL(cluster.url), { pathname: `/${name}` }).href;
    const { proc, url } = await startWaiting(databaseUrl);
    await waitFor(
      async () => records(proc).some((r) => r.code === '3D000'),
      60_000,
      () => proc.output(),
    );
    await expectWaiting(url, `/${name}`);
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    await client.query(`create database ${name}`);
    await client.end();
    await waitFor(
      async () => (await fetch(`${url}/readyz`)).status === 200,
      60_000,
      () => proc.output(),
    );
    expect(proc.child.exitCode).toBeNull();
  }, 300_000);

  it('gives up after --db-wait with a JSON fatal record and exit code 1', async () => {
    const unused = await freePort();
    const { proc } = await startWaiting(`postgres://postgres@127.0.0.1:${unused}/none`, ['--db-wait', '2s']);
    await waitFor(
      async () => proc.child.exitCode !== null,
      60_000,
      () => proc.output(),
    );
    expect(proc.child.exitCode).toBe(1);
    const last = records(proc).at(-1)!;
    expect(last.level).toBe(60);
    expect(last.code).toBe('ECONNREFUSED');
    expect(last.msg).toContain(`database 127.0.0.1:${unused}/none still not usable after`);
    expect(proc.output()).not.toMatch(/^vilicus: /m);
  }, 300_000);
});
