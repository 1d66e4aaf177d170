// The one prom-client registry of the server (STYLE.md habit 6). Everything
// Prometheus sees is registered here, on this registry, never on prom-client's
// global one, so two apps in one process (tests) never collide.
//
// How other parts report (main.ts wires them):
// - ingest: `metrics.ingest` is the IngestService's observer (batch committed
//   or failed); see ingest-metrics.ts.
// - alerts: `metrics.alerts` (type AlertsMetrics, alerts-metrics.ts):
//     metrics.alerts.notificationSent(outcome, count)   // the notifier's onOutcome hook
//     metrics.alerts.outboxDepthFrom(() => countUnsent()) // once at start; read at each scrape
//   databaseSources() already reads the outbox depth from the notification
//   table; code without metrics (tests, tools) passes `noAlertsMetrics`.
// - check states, agents: read from the database at scrape time
//   (state-collector.ts), one query each, whatever the number of series, and
//   written as text next to the registry's (exposition.ts): the one place
//   that is not on the registry, for speed.
//
// Leadership: off Kubernetes there is no election. Every replica runs the
// singleton work and each round takes a PostgreSQL advisory lock, so any
// replica may be the one doing it: `vilicus_leader` is 1 on every replica.
// With the Kubernetes Lease, main.ts calls `metrics.leaderFrom(() => holdsLease)`.
//
// Status encoding of vilicus_check_status: 0 OK, 1 WARNING, 2 CRITICAL,
// 3 UNKNOWN (status-code.ts).
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import { registerAlertsMetrics, type AlertsMetrics } from './alerts-metrics.ts';
import { registerIngestMetrics, type IngestMetrics } from './ingest-metrics.ts';
import { registerServerMetrics, type ServerSources } from './server-metrics.ts';
import { ExpositionWriter } from './exposition.ts';
import { stateExposition, type StateSources } from './state-collector.ts';

export type { AlertsMetrics, NotificationOutcome } from './alerts-metrics.ts';
export { noAlertsMetrics } from './alerts-metrics.ts';
export type { IngestMetrics } from './ingest-metrics.ts';
export type { PoolStats } from './server-metrics.ts';
export { STATUS_CODE } from './status-code.ts';

export type MetricsSources = StateSources &
  ServerSources & {
    /** Notifications not yet sent; when given, vilicus_outbox_depth reads it at each scrape. */
    outboxDepth?: () => Promise<number>;
  };

export interface Metrics {
  registry: Registry;
  ingest: IngestMetrics;
  alerts: AlertsMetrics;
  /** Who does the singleton work, once it is known (the Kubernetes Lease); default: every replica. */
  leaderFrom(isLeader: () => boolean): void;
  /** The exposition for GET /metrics. */
  scrape(): Promise<{ contentType: string; body: Buffer }>;
}

export function createMetrics(sources: MetricsSources, log?: Logger): Metrics {
  const registry = new Registry();
  // Node's process metrics (CPU, memory, event loop lag, GC, handles) under
  // their usual names, so the stock Node.js dashboards work on them as well.
  collectDefaultMetrics({ register: registry });
  // promtool's lint rejects a gauge named *_total, and these three sums are
  // already there per type (nodejs_active_handles{type} …): sum() gives them.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const leaderFrom = registerServerMetrics(registry, sources, log);
  const stateText = stateExposition(sources, log);
  const ingest = registerIngestMetrics(registry);
  const alerts = registerAlertsMetrics(registry, log);
  if (sources.outboxDepth) alerts.outboxDepthFrom(sources.outboxDepth);
  return {
    registry,
    ingest,
    alerts,
    leaderFrom,
    async scrape() {
      const [text, writeStates] = await Promise.all([registry.metrics(), stateText()]);
      const out = new ExpositionWriter();
      out.text(text);
      writeStates(out);
      return { contentType: registry.contentType, body: out.done() };
    },
  };
}
