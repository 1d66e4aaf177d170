// Detection latency: from killing a monitored process to the SMTP server
// accepting the mail about it, at the default settings (30 s interval, 5 s
// group wait) and at a 10 s interval. Every trial is its own check with its own
// recipient (so mails are not grouped together) and its own process; the kills
// are spread at random over one interval, so they land at every phase of the
// agent's cycle, and all trials of both settings run at once.
import { sleepWithMarker, vilicus, waitFor, type Proc } from '../test/helpers/processes.ts';
import { startSmtpSink, type SmtpSink } from '../test/helpers/smtp.ts';
import { admin, pause, startBenchServer, type BenchContext, type BenchServer } from './lib/setup.ts';
import { percentile, type Summary } from './lib/stats.ts';

interface Setting {
  key: string;
  /** spec.interval; undefined = the default */
  interval: string | undefined;
  intervalMs: number;
}

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
  const trialsPerSetting = ctx.mode === 'quick' ? 3 : 30;
  const smtp = await startSmtpSink();
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
    const latencies = await Promise.all(trials.map((t) => runTrial(t, smtp)));
    for (const setting of SETTINGS) {
      const mine = latencies.filter((_, i) => trials[i]!.setting === setting).map((ms) => ms / 1000);
      summary.add(`${setting.key}_p50_s`, percentile(mine, 50));
      summary.add(`${setting.key}_p95_s`, percentile(mine, 95));
      summary.add(`${setting.key}_max_s`, Math.max(...mine));
      summary.add(`${setting.key}_trials`, mine.length);
    }
  } finally {
    await Promise.all(trials.map((t) => t.sleeper.stop('SIGKILL')));
    await s.close();
    await smtp.stop();
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

/** Kills the trial's process at a random point of one interval; ms until its mail was accepted. */
async function runTrial(t: Trial, smtp: SmtpSink): Promise<number> {
  await pause(Math.random() * t.setting.intervalMs);
  const killedAt = Date.now();
  await t.sleeper.stop('SIGKILL');
  let acceptedAt = 0;
  await waitFor(
    async () => {
      const mail = smtp.mails().find((m) => m.to.includes(t.recipient) && m.subject.startsWith('[CRITICAL]'));
      if (mail) acceptedAt = Date.parse(mail.receivedAt);
      return mail !== undefined;
    },
    t.setting.intervalMs * 2 + 30_000,
  );
  return acceptedAt - killedAt;
}
