// The outbox survives a server SIGKILL: a problem whose mail could not be
// sent yet (SMTP down) is mailed exactly once by the restarted server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds } from '../../helpers/app.ts';
import { createDatabase, dropDatabase } from '../../helpers/postgres.ts';
import { api, freePort, killAll, startServerProcess, waitFor } from '../../helpers/processes.ts';
import { outboxSettled } from '../../helpers/outbox.ts';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp.ts';

const postgresUrl = inject('postgresUrl');
let smtp: SmtpSink;

beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await killAll();
  await smtp?.close();
});

describe.each(dbKinds(postgresUrl))('outbox across a server SIGKILL on %s', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-fault-outbox-'));
  let databaseUrl: string | undefined;
  afterAll(async () => {
    if (databaseUrl) await dropDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('mails a problem that was not sent before the kill once, after the restart', async () => {
    if (kind === 'postgres') databaseUrl = await createDatabase(postgresUrl!, 'vilicus_fault_outbox');
    const adminToken = `admin-${crypto.randomUUID()}`;
    const port = await freePort();
    const recipient = `outbox-${kind}@example.com`;
    const env = { VILICUS_SMTP_URL: smtp.url, VILICUS_MAIL_TO: recipient, VILICUS_GROUP_WAIT: '1s' };
    const start = () => startServerProcess({ dataDir, adminToken, databaseUrl, port, env });
    let server = await start();
    const admin = api(server.url, adminToken);
    const agent = await admin('POST', '/api/v1/agents', { name: `host-${kind}` });
    const check = await admin('PUT', '/api/v1/checks/web', { metadata: { name: 'web' }, spec: { cpu: { above: 90 } } });
    const post = (status: string, at: Date) =>
      api(server.url, agent.body.token)('POST', '/api/v1/check_history/', [
        { check: check.body.metadata.uid, status, value: 99, observedAt: at.toISOString() },
      ]);

    await smtp.stop();
    await post('OK', new Date(Date.now() - 1000));
    expect((await post('CRITICAL', new Date())).body.accepted).toBe(1);
    // The notifier tried and failed: the row is pending, waiting for its retry.
    await waitFor(async () => {
      const items = (await admin('GET', '/api/v1/notifications?state=pending')).body.items;
      return items.some((n: { attempts: number }) => n.attempts > 0);
    }, 60_000);
    await server.stop('SIGKILL');

    await smtp.start();
    server = await start();
    const mine = () => smtp.mails().filter((m) => m.to.includes(recipient));
    // The row is sent and nothing is pending or mid-send: no second copy can come.
    await outboxSettled(server, adminToken, { sent: 1 });
    expect(mine().map((m) => m.subject)).toEqual([`[CRITICAL] web on host-${kind}`]);
    await server.stop();
  });
});
