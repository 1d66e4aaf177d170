// Alert scenarios that need real processes: a CPU burner against a sustained
// window, a stopped agent, and two servers sharing one PostgreSQL.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from '../../helpers/postgres.ts';
import { api, killAll, startServerProcess, vilicus, waitFor, type ServerProc } from '../../helpers/processes.ts';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp.ts';

const postgresUrl = inject('postgresUrl');
const adminToken = `admin-${crypto.randomUUID()}`;
const env = (smtp: SmtpSink) => ({
  VILICUS_SMTP_URL: smtp.url,
  VILICUS_MAIL_TO: 'ops@example.com',
  VILICUS_GROUP_WAIT: '1s',
});
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
let smtp: SmtpSink;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-scenario-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterEach(async () => {
  await killAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => smtp?.close());

/** Keeps every core busy until stopped. */
function burnCpu(): { stop(): void } {
  const burners = Array.from({ length: 2 }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  return { stop: () => burners.forEach((b) => b.kill('SIGKILL')) };
}

describe('alert scenarios', () => {
  it('mails a sustained CPU problem once, and nothing for shorter bursts', async () => {
    const server: ServerProc = await startServerProcess({ dataDir: tempDir(), adminToken, env: env(smtp) });
    const call = (m: string, p: string, b?: unknown) => api(server.url, adminToken)(m, p, b);
    const agent = await call('POST', '/api/v1/agents', { name: 'busy-host' });
    await call('PUT', '/api/v1/checks/cpu-pegged', {
      metadata: { name: 'cpu-pegged' },
      spec: { cpu: { above: 80, for: '5s' }, interval: '1s' },
    });
    vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: agent.body.token });
    await waitFor(
      async () => (await call('GET', '/api/v1/checks/cpu-pegged')).body.status.agents[0]?.status === 'OK',
      20_000,
    );
    const before = smtp.mails().length;
    for (let burst = 0; burst < 2; burst++) {
      const burner = burnCpu();
      await pause(2500);
      burner.stop();
      await pause(2500);
    }
    expect(smtp.mails().length).toBe(before); // bursts shorter than the window: no mail
    const held = burnCpu();
    try {
      await waitFor(async () => smtp.mails().length > before, 20_000);
    } finally {
      held.stop();
    }
    expect(
      smtp
        .mails()
        .slice(before)
        .map((m) => m.subject),
    ).toEqual(['[CRITICAL] cpu-pegged on busy-host']);
  });

  it('mails "agent missing" for a stopped agent within 3 intervals, and "back" when it resumes', async () => {
    const server: ServerProc = await startServerProcess({ dataDir: tempDir(), adminToken, env: env(smtp) });
    const call = (m: string, p: string, b?: unknown) => api(server.url, adminToken)(m, p, b);
    const agent = await call('POST', '/api/v1/agents', { name: 'paused-host' });
    await call('PUT', '/api/v1/checks/cpu-any', {
      metadata: { name: 'cpu-any' },
      spec: { cpu: { above: 100 }, interval: '1s' },
    });
    const proc = vilicus(['agent', '--server', server.url], { VILICUS_TOKEN: agent.body.token });
    await waitFor(async () => (await call('GET', '/api/v1/agents/paused-host')).body.lastSeenAt !== null, 20_000);
    const before = smtp.mails().length;
    proc.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await waitFor(async () => smtp.mails().length > before, 15_000);
    console.log(`SIGSTOP → "agent missing" mail in ${Date.now() - stoppedAt} ms (1 s interval, 1 s group wait)`);
    expect(Date.now() - stoppedAt).toBeLessThan(3000 + 1000 + 1000 + 2000); // 3 intervals + sweep + group wait + send
    proc.child.kill('SIGCONT');
    await waitFor(async () => smtp.mails().length > before + 1, 15_000);
    expect(
      smtp
        .mails()
        .slice(before)
        .map((m) => m.subject),
    ).toEqual(['[MISSING] agent paused-host', '[BACK] agent paused-host']);
  });

  describe.runIf(postgresUrl)('on one PostgreSQL', () => {
    let databaseUrl: string;
    beforeAll(async () => {
      databaseUrl = await createDatabase(postgresUrl!, 'vilicus_two');
    });
    afterAll(async () => dropDatabase(databaseUrl));

    it('sends one mail per transition when two servers share the database', async () => {
      const [a, b] = await Promise.all([
        startServerProcess({ dataDir: tempDir(), adminToken, databaseUrl, env: env(smtp) }),
        startServerProcess({ dataDir: tempDir(), adminToken, databaseUrl, env: env(smtp) }),
      ]);
      const admin = api(a.url, adminToken);
      const agent = await admin('POST', '/api/v1/agents', { name: 'shared-host' });
      const check = await admin('PUT', '/api/v1/checks/shared', {
        metadata: { name: 'shared' },
        spec: { cpu: { above: 90 } },
      });
      const before = smtp.mails().length;
      const statuses = ['OK', 'CRITICAL', 'OK', 'CRITICAL', 'OK']; // 4 transitions worth a mail
      const t0 = Date.now();
      for (const [i, status] of statuses.entries()) {
        const via = i % 2 ? b : a; // results reach both servers
        await api(via.url, agent.body.token)('POST', '/api/v1/check_history/', [
          { check: check.body.metadata.uid, status, observedAt: new Date(t0 + i * 1000).toISOString() },
        ]);
        await pause(2500); // past the group wait, so each transition is its own mail
      }
      await waitFor(async () => smtp.mails().length >= before + 4, 15_000);
      await pause(3000); // and no fifth
      const subjects = smtp
        .mails()
        .slice(before)
        .map((m) => m.subject);
      expect(subjects).toEqual([
        '[CRITICAL] shared on shared-host',
        expect.stringMatching(/^\[RESOLVED\] shared on shared-host/),
        '[CRITICAL] shared on shared-host',
        expect.stringMatching(/^\[RESOLVED\] shared on shared-host/),
      ]);
    });
  });
});
