// The alerts work (server/alerts) reports through this: the notifier counts
// what became of each notification (its `onOutcome` hook has this exact
// shape), and the outbox depth is read at scrape time (one query per scrape,
// not a running tally that two replicas would disagree on).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.ts';

/**
 * sent; failed (given up); retry (failed, tried again later); silenced; skipped
 * (nothing to send); dropped (its receiver was removed from the settings).
 */
export type NotificationOutcome = 'sent' | 'failed' | 'retry' | 'silenced' | 'skipped' | 'dropped';
const OUTCOMES: readonly NotificationOutcome[] = ['sent', 'failed', 'retry', 'silenced', 'skipped', 'dropped'];

/** Which receiver: `email` (receiver ''), `alertmanager` (its URL) or `webhook` (its name). */
export interface NotificationChannel {
  type: string;
  receiver: string;
}
const MAIL: NotificationChannel = { type: 'email', receiver: '' };

// Function properties, not methods: `onOutcome: metrics.alerts.notificationSent` is safe to pass unbound.
export interface AlertsMetrics {
  /** `count` notifications (one mail or post may carry several) of a channel ended a round with this outcome. */
  notificationSent: (outcome: NotificationOutcome, count?: number, channel?: NotificationChannel) => void;
  /** How to read the outbox depth (rows not yet sent); read at each scrape. Call once at start. */
  outboxDepthFrom: (read: () => Promise<number> | number) => void;
}

/** For tests and tools that build a notifier without metrics. */
export const noAlertsMetrics: AlertsMetrics = {
  notificationSent: () => {},
  outboxDepthFrom: () => {},
};

export function registerAlertsMetrics(registry: Registry, log: Logger | undefined): AlertsMetrics {
  const notifications = new Counter({
    name: 'vilicus_notifications_total',
    help: 'Notifications handled by the notifier, by channel (email, alertmanager, webhook), receiver and outcome: sent, failed (given up), retry, silenced, skipped, dropped (receiver removed from the settings)',
    labelNames: ['channel', 'receiver', 'outcome'],
    registers: [registry],
  });
  const seen = new Set<string>();
  const present = (c: NotificationChannel): void => {
    if (seen.has(`${c.type}\n${c.receiver}`)) return;
    seen.add(`${c.type}\n${c.receiver}`);
    // Every outcome of a channel present from its first: a rate over a series that appears late reads wrong.
    for (const outcome of OUTCOMES) notifications.inc({ channel: c.type, receiver: c.receiver, outcome }, 0);
  };
  present(MAIL);
  let readDepth: (() => Promise<number> | number) | undefined;
  return {
    notificationSent: (outcome, count = 1, channel = MAIL) => {
      present(channel);
      notifications.inc({ channel: channel.type, receiver: channel.receiver, outcome }, count);
    },
    outboxDepthFrom: (read) => {
      // Registered only once there is an outbox to read: no series beats a made-up 0.
      if (!readDepth) registerDepthGauge(registry, () => readDepth!(), log);
      readDepth = read;
    },
  };
}

function registerDepthGauge(registry: Registry, read: () => Promise<number> | number, log: Logger | undefined): void {
  new Gauge({
    name: 'vilicus_outbox_depth',
    help: 'Notifications waiting in the outbox (not yet sent); NaN when it could not be read',
    registers: [registry],
    async collect() {
      try {
        this.set(await read());
      } catch (error) {
        log?.warn({ err: error }, 'metrics: could not read the outbox depth');
        this.set(Number.NaN);
      }
    },
  });
}
