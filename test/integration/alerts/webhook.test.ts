// Named webhook receivers: real HTTP receiver processes get the documented
// body, signed with their secret; a 503 is retried with the same idempotency
// key, a 400 is given up and counted; a check may name only known receivers.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.ts';
import { createDatabase, dropDatabase } from '../../helpers/postgres.ts';
import { api, freePort, killAll, startServerProcess, waitFor, type ServerProc } from '../../helpers/processes.ts';

const adminToken = `admin-${crypto.randomUUID()}`;
const PUBLIC = 'http://vilicus.example.com';
const SECRET = 'hook-secret-1';
let ops: HttpReceiver;
let bad: HttpReceiver;
let server: ServerProc;
let dataDir: string;
let databaseUrl: string | undefined;
const postgresUrl = inject('postgresUrl');
const call = (method: string, path: string, body?: unknown) => api(server.url, adminToken)(method, path, body);
/** The server's alert settings, with these receivers besides ops and bad. */
const receiversEnv = (more = ''): Record<string, string> => ({
  VILICUS_WEBHOOKS: `ops=${ops.url}/hooks/ops,bad=${bad.url}/hooks/bad${more}`,
  VILICUS_WEBHOOK_SECRETS: `ops=${SECRET}`,
  VILICUS_GROUP_WAIT: '1s',
  VILICUS_PUBLIC_URL: PUBLIC,
});

beforeAll(async () => {
  [ops, bad] = await Promise.all([startHttpReceiver([503]), startHttpReceiver([400])]);
  dataDir = mkdtempSync(join(tmpdir(), 'vilicus-webhook-'));
  // PostgreSQL when the run has one: it starts faster than PGlite on a busy machine.
  databaseUrl = postgresUrl ? await createDatabase(postgresUrl, 'vilicus_webhook') : undefined;
  server = await startServerProcess({ dataDir, adminToken, databaseUrl, env: receiversEnv() });
});
afterAll(async () => {
  await killAll();
  await Promise.all([ops?.close(), bad?.close()]);
  if (databaseUrl) await dropDatabase(databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});

async function failing(agent: string, check: string, webhooks: string[]): Promise<string> {
  const created = await call('POST', '/api/v1/agents', { name: agent });
  const put = await call('PUT', `/api/v1/checks/${check}`, {
    metadata: { name: check },
    spec: { cpu: { above: 90 }, notify: { webhooks } },
  });
  expect(put.status).toBe(201);
  const at = new Date();
  await api(server.url, created.body.token)('POST', '/api/v1/check_history/', [
    {
      check: put.body.metadata.uid,
      status: 'CRITICAL',
      observedAt: at.toISOString(),
      value: 97.5,
      message: 'cpu 97.5%',
    },
  ]);
  return at.toISOString();
}

const rows = async (channel: string) =>
  (await call('GET', `/api/v1/notifications?channel=${encodeURIComponent(channel)}`)).body.items;

describe('webhook receivers', () => {
  it('posts the documented body, signed, and retries a 503 with the same idempotency key', async () => {
    const since = await failing('node-w', 'hooked', ['ops']);
    await waitFor(
      async () => ops.requests().length === 2,
      60_000,
      () => server.output(),
    );
    const [first, second] = ops.requests();
    expect([first!.status, second!.status]).toEqual([503, 200]);
    expect(first!.path).toBe('/hooks/ops');
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
    expect(second!.headers['idempotency-key']).toBe(first!.headers['idempotency-key']);
    // What a receiver does to verify (README "Webhooks"): HMAC-SHA256 of the raw body with its secret.
    const expected = `sha256=${createHmac('sha256', SECRET).update(second!.body).digest('hex')}`;
    expect(second!.headers['x-vilicus-signature']).toBe(expected);
    expect(second!.headers['content-type']).toBe('application/json');
    const body = JSON.parse(second!.body);
    expect(body).toEqual({
      schema: 'vilicus.webhook/v1',
      receiver: 'ops',
      text: `[CRITICAL] hooked on node-w: cpu 97.5%\nDashboard: ${PUBLIC}/`,
      events: [
        {
          id: expect.stringMatching(/^\d+$/),
          event: 'problem',
          check: 'hooked',
          namespace: 'default',
          agent: 'node-w',
          status: 'CRITICAL',
          previous: null,
          since,
          value: 97.5,
          message: 'cpu 97.5%',
          outageMs: null,
          dashboard: `${PUBLIC}/`,
        },
      ],
    });
    await waitFor(async () => (await rows('webhook:ops'))[0]?.state === 'sent', 10_000);
    expect((await rows('webhook:ops'))[0]).toMatchObject({ kind: 'problem', check: 'hooked', attempts: 2 });
    expect(bad.requests()).toEqual([]); // a check routes only to the receivers it names
  });

  it('gives up on a 400 and counts it', async () => {
    await failing('node-x', 'refused', ['bad']);
    await waitFor(
      async () => (await rows('webhook:bad'))[0]?.state === 'failed',
      30_000,
      () => server.output(),
    );
    expect((await rows('webhook:bad'))[0]).toMatchObject({
      check: 'refused',
      attempts: 1,
      lastError: expect.stringContaining('HTTP 400'),
    });
    expect(bad.requests().map((r) => r.status)).toEqual([400]); // `failed` is final: nothing claims it again
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).text();
    expect(metrics).toContain('vilicus_notifications_total{channel="webhook",receiver="bad",outcome="failed"} 1');
    expect(metrics).toContain('vilicus_notifications_total{channel="webhook",receiver="ops",outcome="retry"} 1');
  });

  it('refuses a check that names a receiver the server does not know, naming the field', async () => {
    const put = await call('PUT', '/api/v1/checks/typo', {
      metadata: { name: 'typo' },
      spec: { cpu: { above: 90 }, notify: { webhooks: ['ops', 'pager'] } },
    });
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({
      error: 'VILICUS_ERR_INVALID_CHECK',
      field: 'body/spec/notify/webhooks/1',
      message: expect.stringContaining('no webhook receiver "pager"'),
    });
    expect((await call('GET', '/api/v1/checks/typo')).status).toBe(404);
  });

  it('drops the undelivered rows of a receiver removed from the settings, saying why, counted and logged once', async () => {
    // A receiver that refuses connections: its row is retried, never delivered.
    const refusing = `http://127.0.0.1:${await freePort()}/hooks/gone`;
    await server.stop('SIGTERM');
    server = await startServerProcess({ dataDir, adminToken, databaseUrl, env: receiversEnv(`,gone=${refusing}`) });
    await failing('node-g', 'orphaned', ['gone']);
    const gone = async () => (await rows('webhook:gone'))[0];
    await waitFor(
      async () => (await gone())?.state === 'pending' && (await gone())?.attempts >= 1,
      60_000,
      () => server.output(),
    );
    await server.stop('SIGTERM');
    server = await startServerProcess({ dataDir, adminToken, databaseUrl, env: receiversEnv() });
    await waitFor(
      async () => (await gone())?.state === 'dropped',
      60_000,
      () => server.output(),
    );
    expect(await gone()).toMatchObject({
      check: 'orphaned',
      lastError: 'receiver webhook:gone is no longer configured',
    });
    // Dropped is final: nothing of that receiver is pending, so no later sweep counts or logs it again.
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).text();
    expect(metrics).toContain('vilicus_notifications_total{channel="webhook",receiver="gone",outcome="dropped"} 1');
    const logged = server
      .output()
      .split('\n')
      .filter((l) => l.includes('its undelivered notifications dropped'));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ channel: 'webhook', receiver: 'gone', count: 1 });
  });
});
