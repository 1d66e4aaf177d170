// The detection bench's peer: what a team would otherwise run to be mailed
// about a dead process, from Debian at its defaults: prometheus-process-exporter
// watching the trials' `sleep`s (each trial its own group), Prometheus scraping
// it with one alerting rule, Alertmanager mailing the same SMTP sink. One
// pipeline per setting, with its own ports and temp dir; the Debian services
// are not used.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, program, uniqueSleep, waitFor, type Proc } from '../../test/helpers/processes.ts';
import { killToMail, type Inbox, type Setting } from './kill-to-mail.ts';
import { peerMissing, type Mode } from './setup.ts';
import type { Summary } from './stats.ts';

const BINARIES = {
  exporter: { path: '/usr/bin/prometheus-process-exporter', pkg: 'prometheus-process-exporter' },
  prometheus: { path: '/usr/bin/prometheus', pkg: 'prometheus' },
  alertmanager: { path: '/usr/bin/prometheus-alertmanager', pkg: 'prometheus-alertmanager' },
};

/** Alertmanager's default group_wait: a new group's first mail waits this long. */
const GROUP_WAIT_MS = 30_000;
const RECIPIENT = 'prometheus@example.com';

// Keyed as the vilicus setting each stands next to; undefined interval: Prometheus's default, 1m.
const SETTINGS: Setting[] = [
  { key: 'kill_to_mail', interval: undefined, intervalMs: 60_000 },
  { key: 'kill_to_mail_10s', interval: '10s', intervalMs: 10_000 },
];

interface PeerTrial {
  /** The process-exporter group, which the alert's mail subject names. */
  name: string;
  marker: string;
  proc: Proc;
}

/**
 * Seconds from kill to mail, by the vilicus setting each peer setting stands
 * next to. --quick runs only the 10 s setting: at 1m one trial alone can take
 * 2.5 minutes.
 */
export async function runPrometheusPeer(mode: Mode, mails: Inbox, smtpPort: number): Promise<Map<string, number[]>> {
  const settings = mode === 'quick' ? SETTINGS.filter((s) => s.interval === '10s') : SETTINGS;
  const trials = mode === 'quick' ? 3 : 30;
  const seconds = await Promise.all(settings.map((s) => runSetting(s, trials, mails, smtpPort)));
  return new Map(settings.map((s, i) => [s.key, seconds[i]!]));
}

/** Whether the peer's programs are there; call before starting anything (with CI=true a missing one throws). */
export function prometheusPeerInstalled(summary: Summary): boolean {
  const missing = Object.values(BINARIES).filter((b) => !existsSync(b.path));
  if (missing.length > 0) {
    const paths = missing.map((b) => b.path).join(', ');
    const message = `prometheus peer not run: ${paths} missing (apt-get install -y ${missing.map((b) => b.pkg).join(' ')})`;
    peerMissing(summary, message);
  }
  summary.add('detection_peers_ran', missing.length === 0 ? 'prometheus' : 'none');
  return missing.length === 0;
}

async function runSetting(setting: Setting, count: number, mails: Inbox, smtpPort: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-bench-prometheus-'));
  const prefix = `prometheus-${setting.key.replaceAll('_', '-')}`;
  const trials: PeerTrial[] = Array.from({ length: count }, (_, i) => ({ name: `${prefix}-${i}`, ...uniqueSleep() }));
  const procs: Proc[] = [];
  const logs = (): string => procs.map((p) => p.output()).join('\n');
  try {
    const prometheusUrl = await startPipeline(dir, setting, trials, smtpPort, procs);
    // Every group scraped once with its process up; the first scrape comes up to an interval after the start.
    await waitFor(async () => (await upGroups(prometheusUrl)) === count, setting.intervalMs * 2 + 30_000, logs);
    return await Promise.all(
      trials.map((t) =>
        killToMail(
          {
            sleeper: t.proc,
            spreadMs: setting.intervalMs,
            // Up to an interval to the scrape that sees it gone, another to the evaluation, then group_wait.
            timeoutMs: setting.intervalMs * 2 + GROUP_WAIT_MS + 30_000,
            // The default subject: "[FIRING:1] <group labels> (<other labels>)".
            isAlert: (m) => m.to.includes(RECIPIENT) && m.subject.split(' ').includes(t.name),
            context: logs,
          },
          mails,
        ),
      ),
    );
  } finally {
    await Promise.all([...trials.map((t) => t.proc.stop('SIGKILL')), ...procs.map((p) => p.stop())]);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Ports {
  smtp: number;
  exporter: number;
  alertmanager: number;
  prometheus: number;
}

/** Writes the configs, starts the three programs on loopback ports (pushed to `procs`); Prometheus's URL. */
async function startPipeline(
  dir: string,
  setting: Setting,
  trials: PeerTrial[],
  smtpPort: number,
  procs: Proc[],
): Promise<string> {
  const [exporter, alertmanager, prometheus] = await Promise.all([freePort(), freePort(), freePort()]);
  const ports: Ports = { smtp: smtpPort, exporter, alertmanager, prometheus };
  for (const [name, content] of Object.entries(configs(setting, trials, ports))) {
    writeFileSync(join(dir, name), stringify(content));
  }
  const at = (name: string): string => join(dir, name);
  procs.push(
    program(BINARIES.exporter.path, [
      '-config.path',
      at('process-exporter.yml'),
      '-web.listen-address',
      `127.0.0.1:${exporter}`,
    ]),
    program(BINARIES.alertmanager.path, [
      `--config.file=${at('alertmanager.yml')}`,
      `--storage.path=${at('alertmanager')}`,
      `--web.listen-address=127.0.0.1:${alertmanager}`,
      '--cluster.listen-address=', // no HA gossip, which would listen on 0.0.0.0:9094
    ]),
    program(BINARIES.prometheus.path, [
      `--config.file=${at('prometheus.yml')}`,
      `--storage.tsdb.path=${at('prometheus')}`,
      `--web.listen-address=127.0.0.1:${prometheus}`,
    ]),
  );
  const urls = [`${exporter}/metrics`, `${alertmanager}/-/ready`, `${prometheus}/-/ready`];
  const logs = (): string => procs.map((p) => p.output()).join('\n');
  await Promise.all(urls.map((url) => waitFor(async () => (await fetch(`http://127.0.0.1:${url}`)).ok, 30_000, logs)));
  return `http://127.0.0.1:${prometheus}`;
}

/**
 * The peer's configuration: defaults but for the interval of the 10 s setting
 * and Alertmanager's group_by. By default it groups by nothing: one group for
 * all trials, whose later alerts wait for the group_interval (5m) after the
 * first mail. Grouped by the process group, each trial gets its own mail, as
 * each vilicus check does. group_wait and the rest stay at their defaults.
 */
function configs(setting: Setting, trials: PeerTrial[], ports: Ports): Record<string, unknown> {
  const intervals = setting.interval
    ? { scrape_interval: setting.interval, evaluation_interval: setting.interval }
    : {};
  const target = (port: number) => [{ targets: [`127.0.0.1:${port}`] }];
  return {
    // process-exporter has no default set of processes: each trial's sleep by its command line.
    'process-exporter.yml': {
      process_names: trials.map((t) => ({ name: t.name, cmdline: [`^sleep ${t.marker.replace('.', '\\.')}$`] })),
    },
    'rules.yml': {
      groups: [{ name: 'processes', rules: [{ alert: 'ProcessDown', expr: 'namedprocess_namegroup_num_procs == 0' }] }],
    },
    'prometheus.yml': {
      global: intervals,
      rule_files: ['rules.yml'], // next to prometheus.yml
      alerting: { alertmanagers: [{ static_configs: target(ports.alertmanager) }] },
      scrape_configs: [{ job_name: 'process-exporter', static_configs: target(ports.exporter) }],
    },
    'alertmanager.yml': {
      global: {
        smtp_smarthost: `127.0.0.1:${ports.smtp}`,
        smtp_from: 'alertmanager@example.com',
        smtp_require_tls: false,
      },
      route: { receiver: 'mail', group_by: ['groupname'] },
      receivers: [{ name: 'mail', email_configs: [{ to: RECIPIENT }] }],
    },
  };
}

/** How many trial groups Prometheus has scraped with their process running. */
async function upGroups(prometheusUrl: string): Promise<number> {
  const query = encodeURIComponent('count(namedprocess_namegroup_num_procs == 1)');
  const body = (await (await fetch(`${prometheusUrl}/api/v1/query?query=${query}`)).json()) as any;
  return Number(body.data.result[0]?.value[1] ?? 0);
}
