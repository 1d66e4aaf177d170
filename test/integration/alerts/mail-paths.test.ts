// Mail the way production sends it, through the real SMTP sink process:
// STARTTLS with a certificate the server trusts through VILICUS_SMTP_CA_FILE,
// AUTH required, a wrong password refused and kept in the outbox; an agent's
// message with HTML in it escaped; reminders for a problem that stays open.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { outboxSettled } from '../../helpers/outbox.ts';
import { api, killAll, startServerProcess, waitFor, type ServerProc } from '../../helpers/processes.ts';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp.ts';
import { selfSignedCertificate } from '../probes/endpoints.ts';

const adminToken = `admin-${crypto.randomUUID()}`;
const credentials = { user: 'alerts', pass: `pw-${crypto.randomUUID()}` };
const dir = mkdtempSync(join(tmpdir(), 'vilicus-mail-tls-'));
let secureSmtp: SmtpSink;
let plainSmtp: SmtpSink;
let server: ServerProc;
const call = (method: string, path: string, body?: unknown) => api(server.url, adminToken)(method, path, body);

beforeAll(async () => {
  const { key, cert } = selfSignedCertificate(1);
  writeFileSync(join(dir, 'key.pem'), key);
  writeFileSync(join(dir, 'cert.pem'), cert);
  secureSmtp = await startSmtpSink({
    security: { tls: { keyFile: join(dir, 'key.pem'), certFile: join(dir, 'cert.pem') }, auth: credentials },
  });
  plainSmtp = await startSmtpSink();
});
afterEach(async () => {
  await server?.stop();
  await killAll();
});
afterAll(async () => {
  await Promise.all([secureSmtp?.close(), plainSmtp?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(smtpUrl: string, env: Record<string, string> = {}): Promise<void> {
  server = await startServerProcess({
    dataDir: mkdtempSync(join(dir, 'data-')),
    adminToken,
    env: { VILICUS_SMTP_URL: smtpUrl, VILICUS_MAIL_TO: 'ops@example.com', VILICUS_GROUP_WAIT: '1s', ...env },
  });
}

/** One agent and one check, and a CRITICAL result for it with `message`. */
async function problem(name: string, message = 'over the limit'): Promise<void> {
  const agent = await call('POST', '/api/v1/agents', { name: `host-${name}` });
  const put = await call('PUT', `/api/v1/checks/${name}`, { metadata: { name }, spec: { cpu: { above: 90 } } });
  const post = await api(server.url, agent.body.token)('POST', '/api/v1/check_history/', [
    { check: put.body.metadata.uid, status: 'CRITICAL', value: 99, message, observedAt: new Date().toISOString() },
  ]);
  expect(post.body.accepted).toBe(1);
}

const secureUrl = (pass: string): string =>
  `smtp://${credentials.user}:${encodeURIComponent(pass)}@127.0.0.1:${secureSmtp.port}`;

describe('mail over STARTTLS with AUTH', () => {
  it('delivers through STARTTLS and AUTH, trusting the CA file', async () => {
    await startServer(secureUrl(credentials.pass), { VILICUS_SMTP_CA_FILE: join(dir, 'cert.pem') });
    const before = secureSmtp.mails().length;
    await problem('tls-ok');
    await outboxSettled(server, adminToken, { sent: 1 });
    const mails = secureSmtp.mails().slice(before);
    expect(mails.map((m) => ({ subject: m.subject, user: m.user, secure: m.secure }))).toEqual([
      { subject: '[CRITICAL] tls-ok on host-tls-ok', user: 'alerts', secure: true },
    ]);
  });

  it('does not send to a certificate it was not told to trust, and keeps the mail pending', async () => {
    await startServer(secureUrl(credentials.pass));
    const before = secureSmtp.mails().length;
    await problem('tls-untrusted');
    await waitFor(async () => {
      const [row] = (await call('GET', '/api/v1/notifications?state=pending')).body.items;
      return row?.attempts > 0;
    }, 60_000);
    const [row] = (await call('GET', '/api/v1/notifications?state=pending')).body.items;
    expect(row.lastError).toMatch(/self[- ]signed certificate/i);
    expect(secureSmtp.mails().length).toBe(before);
  });

  it('keeps a mail the server refused for a wrong password in the outbox, with the reply', async () => {
    await startServer(secureUrl('wrong'), { VILICUS_SMTP_CA_FILE: join(dir, 'cert.pem') });
    const before = secureSmtp.mails().length;
    await problem('bad-password');
    // 535 is a permanent reply: the row ends `failed`, visible with its error, not lost and not retried.
    await outboxSettled(server, adminToken, { failed: 1, sent: 0 });
    const [row] = (await call('GET', '/api/v1/notifications?state=failed')).body.items;
    expect(row).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/^535 .*Invalid username or password/) });
    expect(secureSmtp.mails().length).toBe(before);
  });
});

describe('mail content and reminders', () => {
  it('escapes an agent message with HTML in it: text as sent in the text part, inert in the HTML part', async () => {
    await startServer(plainSmtp.url);
    const before = plainSmtp.mails().length;
    const message = `<script>alert("x")</script> & 'more'`;
    await problem('html-message', message);
    await outboxSettled(server, adminToken, { sent: 1 });
    const [mail] = plainSmtp.mails().slice(before);
    expect(mail!.text).toContain(`  message: ${message}\n`);
    expect(mail!.html).toContain(
      '<li>message: &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;more&#39;</li>',
    );
    expect(mail!.html).not.toMatch(/<script/i);
  });

  it('reminds of a problem still open after the repeat interval, end to end', async () => {
    await startServer(plainSmtp.url, { VILICUS_REPEAT_INTERVAL: '2s' });
    const before = plainSmtp.mails().length;
    await problem('still-broken');
    // the alert sweep (every 10 s) queues reminders; two of them, each sent once
    await waitFor(
      async () => plainSmtp.mails().length >= before + 3,
      120_000,
      () => server.output(),
    );
    const subjects = plainSmtp
      .mails()
      .slice(before, before + 3)
      .map((m) => m.subject);
    expect(subjects).toEqual([
      '[CRITICAL] still-broken on host-still-broken',
      '[CRITICAL] still failing: still-broken on host-still-broken',
      '[CRITICAL] still failing: still-broken on host-still-broken',
    ]);
  });
});
