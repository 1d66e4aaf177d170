// Detection latency: from killing a monitored process to the SMTP server
// accepting the mail about it, at the default settings (30 s interval, 5 s
// group wait) and at a 10 s interval. Every trial is its own check with its own
// recipient (so mails are not grouped together) and its own process; the kills
// are spread at random over one interval, so they land at every phase of the
// agent's cycle, and all trials of both settings run at once. Side by side,
// at the same time and on the same SMTP sink: Prometheus + Alertmanager +
// process-exporter (lib/prometheus-peer.ts).
import { sleepWithMarker, vilicus, waitFor, type Proc } from '../test/helpers/processes.ts';
import { startSmtpSink, type SmtpSink } from '../test/helpers/smtp.ts';
import { addLatencies, inbox, killToMail, type Inbox, type Setting } from './lib/kill-to-mail.ts';
import { prometheusPeerInstalled, runPrometheusPeer } from './lib/prometheus-peer.ts';
import { admin, startBenchServer, type BenchContext, type BenchServer } from './lib/setup.ts';
import { percentile, type Summary } from './lib/stats.ts';

const SETTINGS: Setting[] = [
  { key: 'kill_to_mail', interval: undefined, intervalMs: 30_000 },
  { key: 'kill_to_mail_10s', interval: '10s', intervalMs: 10_000 },
];

interface Trial {
  setting: Setting;
  recipient: string;
  marker: string;
  sleeper: Proc;
}

export async function benchDetection(ctx: BenchContext, summary: Summary): Promise<void> {
  const withPeer = prometheusPeerInstalled(summary);
  const smtp = await startSmtpSink();
  const mails = inbox(smtp);
  try {
    // Both mostly wait, so running them together saves minutes; the peer mails its own recipient.
    const [mine, peer] = await Promise.all([
      runVilicus(ctx, smtp, mails),
      withPeer ? runPrometheusPeer(ctx.mode, mails, smtp.port) : new Map<string, number[]>(),
    ]);
    for (const setting of SETTINGS) addLatencies(summary, setting.key, mine.get(setting.key)!);
    for (const [key, seconds] of peer) {
      addLatencies(summary, `prometheus_${key}`, seconds);
      summary.add(`${key}_p95_ratio_vs_prometheus`, percentile(mine.get(key)!, 95) / percentile(seconds, 95));
    }
  } finally {
    await smtp.close();
  }
}

/** Seconds from kill to mail, by setting key. */
async function runVilicus(ctx: BenchContext, smtp: SmtpSink, mails: Inbox): Promise<Map<string, number[]>> {
  const trialsPerSetting = ctx.mode === 'quick' ? 3 : 30;
  // No VILICUS_MAIL_TO: each check mails only its own recipient; the group wait stays at its default.
  const s = await startBenchServer(ctx, 'detection', { VILICUS_SMTP_URL: smtp.url });
  const trials: Trial[] = [];
  try {
    for (const setting of SETTINGS) {
      for (let i = 0; i < trialsPerSetting; i++) trials.push(await createTrial(s, setting, i));
    }
    const created = await admin(s, 'POST', '/api/v1/agents', { name: 'bench-detect' });
    const agent = vilicus(['agent', '--server', s.server.url], { VILICUS_TOKEN: created.token });
    await waitFor(
      async () => (await admin(s, 'GET', '/api/v1/checks')).items.every((c: any) => c.status.summary.ok === 1),
      60_000,
      () => agent.output(),
    );
    const seconds = await Promise.all(
      trials.map((t) =>
        killToMail(
          {
            sleeper: t.sleeper,
            spreadMs: t.setting.intervalMs,
            timeoutMs: t.setting.intervalMs * 2 + 30_000,
            isAlert: (m) => m.to.includes(t.recipient) && m.subject.startsWith('[CRITICAL]'),
          },
          mails,
        ),
      ),
    );
    return new Map(SETTINGS.map((setting) => [setting.key, seconds.filter((_, i) => trials[i]!.setting === setting)]));
  } finally {
    await Promise.all(trials.map((t) => t.sleeper.stop('SIGKILL')));
    await s.close();
  }
}

async function createTrial(s: BenchServer, setting: Setting, i: number): Promise<Trial> {
  const marker = `3000.${Math.floor(Math.random() * 1e9)}`;
  const name = `${setting.key.replaceAll('_', '-')}-${i}`;
  const recipient = `${name}@example.com`;
  const spec = {
    process: { pattern: `^sleep ${marker.replace('.', '\\.')}$` },
    ...(setting.interval ? { interval: setting.interval } : {}),
    notify: { email: [recipient] },
  };
  await admin(s, 'PUT', `/api/v1/checks/${name}`, { metadata: { name }, spec });
  return { setting, recipient, marker, sleeper: sleepWithMarker(marker) };
}
