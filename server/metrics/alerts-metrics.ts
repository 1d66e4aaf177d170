// The alerts work (server/alerts) reports through this: the notifier counts
// each mail it tried, and the outbox depth is read at scrape time from a
// function it provides (one query per scrape, not a running tally that two
// replicas would disagree on).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.ts';

export type NotificationOutcome = 'sent' | 'failed';

export interface AlertsMetrics {
  /** One notification attempt: delivered to the SMTP server, or failed (it will be retried or given up). */
  notificationSent(outcome: NotificationOutcome): void;
  /** How to read the outbox depth (rows not yet sent); read at each scrape. Call once at start. */
  outboxDepthFrom(read: () => Promise<number> | number): void;
}

/** For tests and tools that build a notifier without metrics. */
export const noAlertsMetrics: AlertsMetrics = {
  notificationSent: () => {},
  outboxDepthFrom: () => {},
};

export function registerAlertsMetrics(registry: Registry, log: Logger | undefined): AlertsMetrics {
  const notifications = new Counter({
    name: 'vilicus_notifications_total',
    help: 'Notification (email) attempts by outcome: sent, or failed',
    labelNames: ['outcome'],
    registers: [registry],
  });
  notifications.inc({ outcome: 'sent' }, 0);
  notifications.inc({ outcome: 'failed' }, 0);
  let readDepth: (() => Promise<number> | number) | undefined;
  return {
    notificationSent(outcome) {
      notifications.inc({ outcome });
    },
    outboxDepthFrom(read) {
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
