// Alert mail through a real SMTP conversation: a server process, a real SMTP
// server process (test/helpers/smtp-sink.ts), results from a real agent or
// posted as an agent would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds, type DbKind } from '../../helpers/app.ts';
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
import { outboxSettled, type FinalStates } from '../../helpers/outbox.ts';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp.ts';

const adminToken = `admin-${crypto.randomUUID()}`;
let smtp: SmtpSink;
let server: ServerProc;
let dataDir: string;
let databaseUrl: string | undefined;
const postgresUrl = inject('postgresUrl');
const call = (method: string, path: string, body?: unknown) => api(server.url, adminToken)(method, path, body);

async function startServer(kind: DbKind, env: Record<string, string> = {}): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), 'vilicus-alerts-'));
  databaseUrl = kind === 'postgres' ? await createDatabase(postgresUrl!, 'vilicus_mail') : undefined;
  server = await startServerProcess({
    dataDir,
    adminToken,
    databaseUrl,
    env: { VILICUS_SMTP_URL: smtp.url, VILICUS_MAIL_TO: 'ops@example.com', VILICUS_GROUP_WAIT: '1s', ...env },
  });
}

async function agentWithChecks(
  name: string,
  checks: string[],
): Promise<{ token: string; ids: Record<string, string> }> {
  const agent = await call('POST', '/api/v1/agents', { name });
  const ids: Record<string, string> = {};
  for (const check of checks) {
    const put = await call('PUT', `/api/v1/checks/${check}`, {
      metadata: { name: check },
      spec: { cpu: { above: 90 } },
    });
    ids[check] = put.body.metadata.uid;
  }
  return { token: agent.body.token, ids };
}

const post = (token: string, results: object[]) => api(server.url, token)('POST', '/api/v1/check_history/', results);
const result = (check: string, status: string, at = new Date()) => ({
  check,
  status,
  observedAt: at.toISOString(),
  value: 1,
});

const settled = (final: FinalStates) => outboxSettled(server, adminToken, final);

beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterEach(async () => {
  await server?.stop();
  await killAll();
  if (databaseUrl) await dropDatabase(databaseUrl);
  rmSync(dataDir, { recursive: true, force: true });
});
afterAll(async () => smtp?.close());

// Each on PGlite and on the run's PostgreSQL, as production runs it.
describe.each(dbKinds(postgresUrl))('alert mail on %s', (kind) => {
  it('mails once when a monitored process dies and once when it is back', async () => {
    await startServer(kind, { VILICUS_GROUP_WAIT: '5s' }); // the default
    const before = smtp.mails().length;
    const agent = await call('POST', '/api/v1/agents', { name: 'host-m' });
    const sleeper = uniqueSleep();
    const pattern = `^sleep ${sleeper.marker.replace('.', '\\.')}$`;
    await call('PUT', '/api/v1/checks/sleeper', {
      metadata: { name: 'sleeper' },
      spec: { process: { pattern }, interval: '1s' },
    });
    const agentProc = vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: agent.body.token });
    await waitFor(
      async () => (await call('GET', '/api/v1/checks/sleeper')).body.status.agents[0]?.status === 'OK',
      60_000,
      () => agentProc.output(),
    );
    await sleeper.proc.stop('SIGKILL');
    // How soon is bench/'s figure (detection); here: one mail, once sent.
    await settled({ sent: 1 });
    const problem = smtp.mails().slice(before);
    expect(problem).toHaveLength(1);
    expect(problem[0]).toMatchObject({ subject: '[CRITICAL] sleeper on host-m', to: ['ops@example.com'] });
    expect(problem[0]!.text).toContain('0 processes');
    expect(problem[0]!.html).toContain('<h3');

    const revived = sleepWithMarker(sleeper.marker);
    await settled({ sent: 2 });
    const all = smtp.mails().slice(before);
    expect(all.map((m) => m.subject)).toEqual([
      '[CRITICAL] sleeper on host-m',
      expect.stringMatching(/^\[RESOLVED\] sleeper on host-m after \d+s$/),
    ]);
    await revived.stop();
  });

  it('groups 30 checks failing at once into one mail', async () => {
    await startServer(kind);
    const names = Array.from({ length: 30 }, (_, i) => `svc-${i}`);
    const { token, ids } = await agentWithChecks('node-a', names);
    const before = smtp.mails().length;
    await post(
      token,
      names.map((n) => result(ids[n]!, 'OK', new Date(Date.now() - 1000))),
    );
    await post(
      token,
      names.map((n) => result(ids[n]!, 'CRITICAL')),
    );
    await settled({ sent: 30 });
    const mails = smtp.mails().slice(before);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^\[CRITICAL\] svc-\d+ on node-a and 29 more$/);
    expect(mails[0]!.text.match(/\[CRITICAL\]/g)).toHaveLength(30);
  });

  it('delivers every mail once after an SMTP outage', async () => {
    await startServer(kind);
    const { token, ids } = await agentWithChecks('node-b', ['a', 'b', 'c']);
    const before = smtp.mails().length;
    await smtp.stop();
    await post(
      token,
      ['a', 'b', 'c'].map((n) => result(ids[n]!, 'CRITICAL')),
    );
    await waitFor(
      async () =>
        (await call('GET', '/api/v1/notifications?state=pending')).body.items.some(
          (n: { attempts: number }) => n.attempts > 0,
        ),
      60_000,
    );
    const pending = (await call('GET', '/api/v1/notifications')).body.items;
    expect(pending[0]).toMatchObject({ state: 'pending', lastError: expect.stringMatching(/ECONNREFUSED|connect/i) });
    await smtp.start();
    await settled({ sent: 3 });
    const mails = smtp.mails().slice(before);
    expect(mails).toHaveLength(1); // one group: the three problems together
    expect(mails[0]!.text.match(/\[CRITICAL\]/g)).toHaveLength(3);
  });

  it('records a permanent refusal (5xx) with its reply and does not retry it', async () => {
    await smtp.stop();
    await smtp.start({ reject: 550 });
    try {
      await startServer(kind);
      const { token, ids } = await agentWithChecks('node-c', ['x']);
      await post(token, [result(ids.x!, 'CRITICAL')]);
      // failed is final: nothing pending is left to retry it
      await settled({ failed: 1, sent: 0 });
      const [failed] = (await call('GET', '/api/v1/notifications?state=failed')).body.items;
      expect(failed).toMatchObject({ attempts: 1, lastError: expect.stringContaining('550') });
    } finally {
      await smtp.stop();
      await smtp.start();
    }
  });

  it('mails nothing for a silenced problem, and once when the silence ends while it is still open', async () => {
    await startServer(kind);
    const { token, ids } = await agentWithChecks('node-d', ['quiet']);
    const silence = await call('POST', '/api/v1/silences', {
      matchers: { check: 'quiet' },
      duration: '1h',
      comment: 'maintenance',
    });
    expect(silence.status).toBe(201);
    const before = smtp.mails().length;
    await post(token, [result(ids.quiet!, 'CRITICAL')]);
    await waitFor(
      async () => (await call('GET', '/api/v1/notifications?state=silenced')).body.items.length === 1,
      10_000,
    );
    expect(smtp.mails().length).toBe(before);
    expect((await call('GET', '/api/v1/alerts')).body.items[0]).toMatchObject({ check: 'quiet', silenced: true });
    expect((await call('DELETE', `/api/v1/silences/${silence.body.id}`)).status).toBe(200);
    // the alert sweep (every 10 s) queues the mail the silence held back
    await settled({ silenced: 1, sent: 1 });
    const mails = smtp.mails().slice(before);
    expect(mails.map((m) => m.subject)).toEqual(['[CRITICAL] quiet on node-d']);
  });
});
