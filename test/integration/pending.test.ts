// A problem inside its `for:` window is pending, not UNKNOWN (ADR 5), through a
// real server process on PGlite and PostgreSQL, with a real SMTP sink. The
// results carry observed times the test chooses: the window is judged on
// them, so nothing here waits for a clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds } from '../helpers/app.ts';
import { createDatabase, dropDatabase } from '../helpers/postgres.ts';
import { api, killAll, startServerProcess, vilicus, waitFor, type ServerProc } from '../helpers/processes.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts';

const postgresUrl = inject('postgresUrl');
const adminToken = `admin-${crypto.randomUUID()}`;
const BUSY = 'CPU 100.0% busy (critical above 90%)';

/** Whole seconds, so every time the test names is exact on the wire; set once the server is up. */
let NOW = 0;
const iso = (offsetSeconds: number): string => new Date(NOW + offsetSeconds * 1000).toISOString();
const epoch = (offsetSeconds: number): number => NOW / 1000 + offsetSeconds;

interface AgentState {
  agent: string;
  status: string;
  since: string;
  pending: { status: string; since: string; countsAt: string; message: string | null } | null;
}

describe.each(dbKinds(postgresUrl))('pending problems on %s', (kind) => {
  let server: ServerProc;
  let smtp: SmtpSink;
  let dir: string;
  let databaseUrl: string | undefined;
  let call: ReturnType<typeof api>;
  const agents: Record<string, ReturnType<typeof api>> = {};
  const checks: Record<string, string> = {};

  /** Posts results as an agent: [check, status, seconds from NOW]. */
  async function post(agent: string, results: [string, 'OK' | 'CRITICAL', number][]): Promise<void> {
    const body = results.map(([check, status, at]) => ({
      check: checks[check],
      status,
      value: status === 'OK' ? 12.5 : 100,
      message: status === 'OK' ? 'CPU 12.5% busy' : BUSY,
      observedAt: iso(at),
    }));
    const reply = await agents[agent]!('POST', '/api/v1/check_history/', body);
    expect(reply.body).toMatchObject({ accepted: results.length, duplicates: 0, rejected: [] });
  }
  const stateOf = async (check: string, agent: string): Promise<AgentState> =>
    (await call('GET', `/api/v1/checks/${check}`)).body.status.agents.find((a: AgentState) => a.agent === agent);
  const notifications = async (): Promise<{ kind: string; check: string; status: string }[]> =>
    (await call('GET', '/api/v1/notifications')).body.items;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    dir = mkdtempSync(join(tmpdir(), 'vilicus-pending-'));
    if (kind === 'postgres') databaseUrl = await createDatabase(postgresUrl!, 'vilicus_pending');
    server = await startServerProcess({
      dataDir: dir,
      adminToken,
      databaseUrl,
      env: { VILICUS_SMTP_URL: smtp.url, VILICUS_MAIL_TO: 'ops@example.com', VILICUS_GROUP_WAIT: '1s' },
    });
    call = api(server.url, adminToken);
    for (const name of ['web-1', 'web-2']) {
      const { body } = await call('POST', '/api/v1/agents', { name });
      agents[name] = api(server.url, body.token);
    }
    for (const [name, window] of [
      ['cpu-busy', '10m50s'],
      ['cpu-hot', '1m'],
      ['cpu-blip', '1m'],
    ]) {
      const { body } = await call('PUT', `/api/v1/checks/${name}`, {
        metadata: { name },
        spec: { cpu: { above: 90, for: window }, interval: '10s' },
      });
      checks[name!] = body.metadata.uid;
    }
    NOW = Math.floor(Date.now() / 1000) * 1000;
  }, 180_000); // the server may take up to 120 s to be ready on a loaded machine
  afterAll(async () => {
    await killAll();
    await smtp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (databaseUrl) await dropDatabase(databaseUrl);
  });

  it('shows a filling window as pending in the API, the CLI and the metrics, never as failing', async () => {
    // web-1 was OK, then CPU-bound from 150 s ago: OK with CRITICAL pending until its 650 s window fills.
    await post('web-1', [
      ['cpu-busy', 'OK', -180],
      ['cpu-busy', 'CRITICAL', -150],
      ['cpu-busy', 'CRITICAL', -60],
    ]);
    // web-2 reported only that problem: no state yet.
    await post('web-2', [['cpu-busy', 'CRITICAL', -150]]);
    const pending = { status: 'CRITICAL', since: iso(-150), countsAt: iso(500), message: BUSY };

    const view = (await call('GET', '/api/v1/checks/cpu-busy')).body.status;
    expect(view.summary).toEqual({ ok: 1, warning: 0, critical: 0, unknown: 0, pending: 2 });
    expect(
      view.agents.map(({ agent, status, since, pending }: AgentState) => ({ agent, status, since, pending })),
    ).toEqual([
      { agent: 'web-1', status: 'OK', since: iso(-180), pending },
      { agent: 'web-2', status: 'PENDING', since: iso(-150), pending },
    ]);
    expect((await call('GET', '/api/v1/alerts')).body.items).toEqual([]);

    const cli = vilicus(['get', 'checks', '--server', server.url, '--admin-token', adminToken]);
    expect(await new Promise((resolve) => cli.child.once('exit', resolve))).toBe(0);
    const [header, ...rows] = cli.output().trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual([
      'NAMESPACE',
      'NAME',
      'PROBE',
      'STATUS',
      'OK',
      'FAILING',
      'PENDING',
      'AGE',
    ]);
    const busy = rows.find((r) => r.includes('cpu-busy'))!.split(/\s{2,}/);
    // 150 s ago and 500 s ahead round to 3m and 8m for the next 50 s of wall clock, however slow this machine is.
    expect(busy.slice(0, 7)).toEqual([
      'default',
      'cpu-busy',
      'cpu',
      'OK',
      '1',
      '-',
      'CRITICAL on web-1 for 3m, counts in 8m (+1 more)',
    ]);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const labels = (agent: string) => `{namespace="default",check="cpu-busy",kind="cpu",agent="${agent}"}`;
    expect(metrics).toContain(`vilicus_check_status${labels('web-1')} 0\n`);
    expect(metrics).not.toContain(`vilicus_check_status${labels('web-2')}`);
    expect(metrics).toContain(`vilicus_check_pending${labels('web-1')} 2\n`);
    expect(metrics).toContain(`vilicus_check_pending${labels('web-2')} 2\n`);
    expect(metrics).toContain(`vilicus_check_pending_counts_at_timestamp_seconds${labels('web-2')} ${epoch(500)}\n`);

    // The outbox row of a mail is written with the state that causes it: none, so no mail can follow.
    expect(await notifications()).toEqual([]);
  });

  it('drops a problem that recovers inside its window, without a transition or a mail', async () => {
    await post('web-2', [['cpu-blip', 'CRITICAL', -300]]);
    expect(await stateOf('cpu-blip', 'web-2')).toMatchObject({ status: 'PENDING' });
    await post('web-2', [['cpu-blip', 'OK', -280]]);
    expect(await stateOf('cpu-blip', 'web-2')).toMatchObject({ status: 'OK', since: iso(-280), pending: null });
    expect(await notifications()).toEqual([]);
  });

  it('mails the problem once, when it counts at the end of its window', async () => {
    await post('web-1', [
      ['cpu-hot', 'OK', -300],
      ['cpu-hot', 'CRITICAL', -290],
      ['cpu-hot', 'CRITICAL', -260],
    ]);
    expect(await stateOf('cpu-hot', 'web-1')).toMatchObject({
      status: 'OK',
      pending: { status: 'CRITICAL', since: iso(-290), countsAt: iso(-230) },
    });
    expect(await notifications()).toEqual([]);
    await post('web-1', [['cpu-hot', 'CRITICAL', -230]]);
    expect(await stateOf('cpu-hot', 'web-1')).toMatchObject({ status: 'CRITICAL', since: iso(-230), pending: null });
    await waitFor(
      async () => smtp.mails().length > 0,
      20_000,
      () => server.output(),
    );
    expect(await notifications()).toMatchObject([{ kind: 'problem', check: 'cpu-hot', status: 'CRITICAL' }]);
    const mails = smtp.mails();
    expect(mails.map((m) => m.subject)).toEqual(['[CRITICAL] cpu-hot on web-1']);
    expect(mails[0]!.text).toContain(`since: ${iso(-230)}`);
    expect(mails[0]!.text).toContain('was: OK');
  });
});
