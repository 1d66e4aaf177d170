// Debian's real Alertmanager (prometheus-alertmanager), on loopback, routing
// every alert to a webhook receiver the test runs, with short group timers so
// tests wait on events, not on Alertmanager's defaults.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, program, waitFor, type Proc } from './processes.ts';
import { tool } from './tools.ts';

export const alertmanagerBinary = tool('/usr/bin/prometheus-alertmanager', 'prometheus-alertmanager', 'Alertmanager');

export interface Alertmanager {
  url: string;
  /** SIGTERM (it writes its notification log) and wait; start() brings it back on the same port and storage. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** What it holds now (GET /api/v2/alerts), optionally filtered by label matchers such as check="x". */
  alerts(...filters: string[]): Promise<any[]>;
  output(): string;
  close(): Promise<void>;
}

/** The webhook payload Alertmanager posts (version 4). */
export interface AlertmanagerNotification {
  status: 'firing' | 'resolved';
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
  }[];
}

/** `webhookUrl` unset: alerts are only held (read them with alerts()), not sent anywhere. */
export async function startAlertmanager(webhookUrl?: string): Promise<Alertmanager> {
  const path = alertmanagerBinary.require();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-am-'));
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    stringify({
      route: {
        receiver: 'test',
        group_by: ['alertname', 'namespace', 'check', 'agent'],
        group_wait: '200ms',
        group_interval: '1s',
        repeat_interval: '1h',
      },
      receivers: [
        { name: 'test', ...(webhookUrl ? { webhook_configs: [{ url: webhookUrl, send_resolved: true }] } : {}) },
      ],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  let proc: Proc | null = null;
  const start = async (): Promise<void> => {
    const started = program(path, [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // no HA gossip, which would listen on 0.0.0.0:9094
    ]);
    proc = started;
    await waitFor(
      async () => (await fetch(`${url}/-/ready`)).ok,
      30_000,
      () => started.output(),
    );
  };
  const stop = async (): Promise<void> => {
    await proc?.stop('SIGTERM');
    proc = null;
  };
  await start();
  return {
    url,
    stop,
    start,
    async alerts(...filters) {
      const query = filters.map((f) => `filter=${encodeURIComponent(f)}`).join('&');
      return (await fetch(`${url}/api/v2/alerts?${query}`)).json() as Promise<any[]>;
    },
    output: () => proc?.output() ?? '',
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
