// Detection latency: from killing a monitored process to the SMTP server
// accepting the mail about it, at the default settings (30 s interval, 5 s
// group wait) and at a 10 s interval. Every trial is its own check with its own
// recipient (so mails are not grouped together) and its own process; the kills
// are spread at random over one interval, so they land at every phase of the
// agent's cycle, and all trials of both settings run at once. Side by side,
// at the same time and on the same SMTP sink: Prometheus + Alertmanager +
// process-exporter (lib/prometheus-peer.ts). With Debian's Alertmanager
// installed, vilicus also posts to one, and each trial times kill → the
// Alertmanager holding the alert (its own updatedAt at first sight).
import { existsSync } from 'node:fs';
import { alertmanagerBinary, startAlertmanager, type Alertmanager } from '../test/helpers/alertmanager.ts';
import { sleepWithMarker, vilicus, waitFor, type Proc } from '../test/helpers/processes.ts';
import { startSmtpSink, type SmtpSink } from '../test/helpers/smtp.ts';
import { addLatencies, inbox, killToAll, type Inbox, type Setting } from './lib/kill-to-mail.ts';
import { prometheusPeerInstalled, runPrometheusPeer } from './lib/prometheus-peer.ts';
import { admin, startBenchServer, type BenchContext, type BenchServer } from './lib/setup.ts';
import { percentile, type Summary } from './lib/stats.ts';

const SETTINGS: Setting[] = [
  { key: 'kill_to_mail', interval: undefined, intervalMs: 30_000 },
  { key: 'kill_to_mail_10s', interval: '10s', intervalMs: 10_000 },
];

interface Trial {
  name: string;
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
    for (const [key, seconds] of mine) addLatencies(summary, key, seconds);
    for (const [key, seconds] of peer) {
      addLatencies(summary, `prometheus_${key}`, seconds);
      summary.add(`${key}_p95_ratio_vs_prometheus`, percentile(mine.get(key)!, 95) / percentile(seconds, 95));
    }
  } finally {
    await smtp.close();
  }
}

/** The Alertmanager side: when it first held each check's alert (its updatedAt), polled every 200 ms. */
function watchAlertmanager(am: Alertmanager): { receivedAt(check: string): number | undefined; stop(): void } {
  const first = new Map<string, number>();
  const timer = setInterval(() => {
    am.alerts()
      .then((alerts) => {
        for (const a of alerts) if (!first.has(a.labels.check)) first.set(a.labels.check, Date.parse(a.updatedAt));
      })
      .catch(() => {});
  }, 200);
  return { receivedAt: (check) => first.get(check), stop: () => clearInterval(timer) };
}

/** Seconds from kill to mail (the setting's key) and to Alertmanager (`kill_to_alertmanager…`), by key. */
async function runVilicus(ctx: BenchContext, smtp: SmtpSink, mails: Inbox): Promise<Map<string, number[]>> {
  const trialsPerSetting = ctx.mode === 'quick' ? 3 : 30;
  const am = existsSync(alertmanagerBinary.path) ? await startAlertmanager() : null;
  const watch = am ? watchAlertmanager(am) : null;
  // No VILICUS_MAIL_TO: each check mails only its own recipient; the group wait stays at its default.
  const s = await startBenchServer(ctx, 'detection', {
    VILICUS_SMTP_URL: smtp.url,
    ...(am ? { VILICUS_ALERTMANAGER_URL: am.url } : {}),
  });
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
        killToAll(
          {
            sleeper: t.sleeper,
            spreadMs: t.setting.intervalMs,
            timeoutMs: t.setting.intervalMs * 2 + 30_000,
            isAlert: (m) => m.to.includes(t.recipient) && m.subject.startsWith('[CRITICAL]'),
            ...(watch ? { alsoTo: { alertmanager: () => watch.receivedAt(t.name) } } : {}),
          },
          mails,
        ),
      ),
    );
    const of = (setting: Setting, key: string) =>
      seconds.filter((_, i) => trials[i]!.setting === setting).map((r) => r[key]!);
    return new Map(
      SETTINGS.flatMap((setting) => [
        [setting.key, of(setting, 'mail')] as const,
        ...(am
          ? [[setting.key.replace('kill_to_mail', 'kill_to_alertmanager'), of(setting, 'alertmanager')] as const]
          : []),
      ]),
    );
  } finally {
    watch?.stop();
    await Promise.all(trials.map((t) => t.sleeper.stop('SIGKILL')));
    await s.close();
    await am?.close();
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
  return { name, setting, recipient, marker, sleeper: sleepWithMarker(marker) };
}
