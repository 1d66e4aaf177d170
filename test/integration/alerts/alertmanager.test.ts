// Alerts through Debian's real Alertmanager: vilicus posts to its API v2,
// Alertmanager routes to a webhook receiver process the test runs, and the
// test reads what that receiver got (no stubbed transport anywhere).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  alertmanagerBinary,
  startAlertmanager,
  type Alertmanager,
  type AlertmanagerNotification,
} from '../../helpers/alertmanager.ts';
import { startHttpReceiver, type HttpReceiver } from '../../helpers/http-receiver.ts';
import { createDatabase, dropDatabase } from '../../helpers/postgres.ts';
import {
  api,
  killAll,
  sleepWithMarker,
  startServerProcess,
  uniqueSleep,
  vilicus,
  waitFor,
  type ServerProc,
} from '../../helpers/processes.ts';

const postgresUrl = inject('postgresUrl');
const adminToken = `admin-${crypto.randomUUID()}`;
const PUBLIC = 'http://vilicus.example.com';
let receiver: HttpReceiver;
let am: Alertmanager;
const dirs: string[] = [];
/** What a test started (servers, agents): stopped after it, while Alertmanager and the receiver stay up. */
const started: { stop(signal?: NodeJS.Signals): Promise<unknown> }[] = [];
const databases: string[] = [];

/** A fresh PostgreSQL database, or the one given (replicas share it): it starts faster than PGlite on a busy machine. */
async function startServer(shared?: string): Promise<ServerProc> {
  const databaseUrl = shared ?? (postgresUrl ? await createDatabase(postgresUrl, 'vilicus_am') : undefined);
  if (databaseUrl && !shared) databases.push(databaseUrl);
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-am-server-'));
  dirs.push(dataDir);
  const server = await startServerProcess({
    dataDir,
    adminToken,
    databaseUrl,
    env: {
      VILICUS_ALERTMANAGER_URL: am.url,
      VILICUS_ALERTMANAGER_RESEND: '2s',
      VILICUS_GROUP_WAIT: '1s',
      VILICUS_PUBLIC_URL: PUBLIC,
    },
  });
  started.push(server);
  return server;
}

/** What Alertmanager told the receiver about one check, in order. */
const notifications = (check: string): AlertmanagerNotification[] =>
  receiver
    .requests()
    .map((r) => JSON.parse(r.body) as AlertmanagerNotification)
    .filter((n) => n.alerts.some((a) => a.labels['check'] === check));

async function checkOnAgent(server: ServerProc, agent: string, check: string) {
  const call = api(server.url, adminToken);
  const created = await call('POST', '/api/v1/agents', { name: agent });
  const put = await call('PUT', `/api/v1/checks/${check}`, { metadata: { name: check }, spec: { cpu: { above: 90 } } });
  const post = (status: string) =>
    api(server.url, created.body.token)('POST', '/api/v1/check_history/', [
      { check: put.body.metadata.uid, status, observedAt: new Date().toISOString(), value: 1 },
    ]);
  return { call, post };
}

beforeAll(async () => {
  if (!alertmanagerBinary.run) return;
  receiver = await startHttpReceiver();
  am = await startAlertmanager(`${receiver.url}/alertmanager`);
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop('SIGKILL')));
});
afterAll(async () => {
  await killAll();
  await am?.close();
  await receiver?.close();
  for (const url of databases) await dropDatabase(url);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(alertmanagerBinary.run)('alerts to Alertmanager', () => {
  it('posts a killed process as a firing alert with its labels, and its return as resolved', async () => {
    const server = await startServer();
    const call = api(server.url, adminToken);
    const agent = await call('POST', '/api/v1/agents', { name: 'host-am' });
    const sleeper = uniqueSleep();
    await call('PUT', '/api/v1/checks/am-sleeper', {
      metadata: { name: 'am-sleeper', labels: { team: 'web', 'app.kubernetes.io/name': 'shop' } },
      spec: { process: { pattern: `^sleep ${sleeper.marker.replace('.', '\\.')}$` }, interval: '1s' },
    });
    started.push(vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: agent.body.token }));
    const status = async () => (await call('GET', '/api/v1/checks/am-sleeper')).body.status.agents[0];
    await waitFor(
      async () => (await status())?.status === 'OK',
      30_000,
      () => server.output(),
    );
    await sleeper.proc.stop('SIGKILL');
    await waitFor(
      async () => notifications('am-sleeper').length > 0,
      30_000,
      () => server.output() + am.output(),
    );
    const [firing] = notifications('am-sleeper');
    expect(firing!.status).toBe('firing');
    expect(firing!.alerts).toHaveLength(1);
    const alert = firing!.alerts[0]!;
    expect(alert.labels).toEqual({
      alertname: 'VilicusCheckFailing',
      namespace: 'default',
      check: 'am-sleeper',
      agent: 'host-am',
      kind: 'process',
      severity: 'critical',
      team: 'web',
      app_kubernetes_io_name: 'shop',
    });
    expect(alert.annotations['dashboard']).toBe(`${PUBLIC}/`);
    expect(alert.annotations['summary']).toContain('0 processes');
    expect(alert.generatorURL).toBe(`${PUBLIC}/api/v1/checks/am-sleeper?namespace=default`);
    expect(new Date(alert.startsAt).toISOString()).toBe((await status()).since);

    const revived = sleepWithMarker(sleeper.marker);
    await waitFor(async () => notifications('am-sleeper').some((n) => n.status === 'resolved'), 30_000);
    const resolved = notifications('am-sleeper').find((n) => n.status === 'resolved')!;
    expect(resolved.alerts[0]!.labels).toEqual(alert.labels);
    await revived.stop();
  });

  it('loses nothing across an Alertmanager restart: open alerts are posted again, a recovery is retried', async () => {
    const server = await startServer();
    const { call, post } = await checkOnAgent(server, 'host-restart', 'am-restart');
    await post('OK');
    await post('CRITICAL');
    await waitFor(
      async () => notifications('am-restart').length > 0,
      30_000,
      () => server.output(),
    );

    await am.stop();
    await am.start(); // Alertmanager keeps no alerts across a restart: only the re-post brings it back
    await waitFor(
      async () => (await am.alerts('check="am-restart"')).length === 1,
      20_000,
      () => am.output(),
    );

    await am.stop();
    await post('OK');
    const channel = encodeURIComponent(`alertmanager:${am.url}/`);
    const amRows = async () => (await call('GET', `/api/v1/notifications?channel=${channel}`)).body.items;
    await waitFor(async () => (await amRows()).some((n: any) => n.kind === 'resolved' && n.attempts > 0), 20_000);
    const retrying = (await amRows()).find((n: any) => n.kind === 'resolved');
    expect(retrying).toMatchObject({ state: 'pending', lastError: expect.stringMatching(/ECONNREFUSED/) });
    await am.start();
    await waitFor(
      async () => notifications('am-restart').some((n) => n.status === 'resolved'),
      60_000,
      () => server.output() + am.output(),
    );
  });

  it.runIf(postgresUrl)('two replicas on one PostgreSQL give one alert, routed once', async () => {
    const databaseUrl = await createDatabase(postgresUrl!, 'vilicus_am_replicas');
    databases.push(databaseUrl);
    const a = await startServer(databaseUrl);
    await startServer(databaseUrl); // the second replica: it routes, claims and re-posts too
    const { call, post } = await checkOnAgent(a, 'host-two', 'am-two');
    await post('OK');
    await post('CRITICAL');
    await waitFor(
      async () => notifications('am-two').length > 0,
      30_000,
      () => a.output(),
    );
    const channel = encodeURIComponent(`alertmanager:${am.url}/`);
    await waitFor(
      async () => (await call('GET', `/api/v1/notifications?channel=${channel}&state=sent`)).body.items.length === 1,
      10_000,
    );
    const rows = (await call('GET', `/api/v1/notifications?channel=${channel}`)).body.items;
    expect(rows.map((r: any) => [r.kind, r.check, r.state])).toEqual([['problem', 'am-two', 'sent']]);
    expect(await am.alerts('check="am-two"')).toHaveLength(1);
    expect(notifications('am-two').filter((n) => n.status === 'firing')).toHaveLength(1);
  });
});
