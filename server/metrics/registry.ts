// The one prom-client registry of the server (STYLE.md habit 6). Everything
// Prometheus sees is registered here, on this registry, never on prom-client's
// global one, so two apps in one process (tests) never collide.
//
// How other parts report (main.ts wires them):
// - ingest: `metrics.ingest` is the IngestService's observer (batch committed
//   or failed); see ingest-metrics.ts.
// - alerts: `metrics.alerts` (type AlertsMetrics, alerts-metrics.ts):
//     metrics.alerts.notificationSent('sent' | 'failed')   // once per mail attempt
//     metrics.alerts.outboxDepthFrom(() => countUnsent())  // once at start; read at each scrape
//   Code that runs without metrics (tests, tools) passes `noAlertsMetrics`.
// - check states, agents: read from the database at scrape time
//   (state-collector.ts), one query each, whatever the number of series.
//
// Leadership: there is no leader election yet. Every replica runs the sweeps
// and each takes a PostgreSQL advisory lock per sweep, so any replica may be
// the one doing the singleton work at a given moment; `vilicus_leader` is 1 on
// every replica until the Kubernetes Lease (the Kubernetes issue) passes a
// real `isLeader`.
//
// Status encoding of vilicus_check_status: 0 OK, 1 WARNING, 2 CRITICAL,
// 3 UNKNOWN (status-code.ts).
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import { registerAlertsMetrics, type AlertsMetrics } from './alerts-metrics.ts';
import { registerIngestMetrics, type IngestMetrics } from './ingest-metrics.ts';
import { registerServerMetrics, type ServerSources } from './server-metrics.ts';
import { registerStateCollectors, type StateSources } from './state-collector.ts';

export type { AlertsMetrics, NotificationOutcome } from './alerts-metrics.ts';
export { noAlertsMetrics } from './alerts-metrics.ts';
export type { IngestMetrics } from './ingest-metrics.ts';
export type { PoolStats } from './server-metrics.ts';
export { STATUS_CODE } from './status-code.ts';

export type MetricsSources = StateSources & ServerSources;

export interface Metrics {
  registry: Registry;
  ingest: IngestMetrics;
  alerts: AlertsMetrics;
  /** The exposition for GET /metrics. */
  scrape(): Promise<{ contentType: string; body: string }>;
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
  registerServerMetrics(registry, sources, log);
  registerStateCollectors(registry, sources, log);
  const ingest = registerIngestMetrics(registry);
  const alerts = registerAlertsMetrics(registry, log);
  return {
    registry,
    ingest,
    alerts,
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
