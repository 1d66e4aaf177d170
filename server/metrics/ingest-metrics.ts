// What the ingest path reports: counted where the batch is committed, so a
// retried post (a duplicate) is not counted twice as ingested.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Status } from '../domain/status.ts';
import { statuses } from '../domain/status.ts';

/** Matches server/ingest's IngestObserver; main.ts hands it to the IngestService. */
export interface IngestMetrics {
  /** `stored` holds the very items that were stored (an id is its agent's, so ids alone cannot tell). */
  batchCommitted<T extends { status: Status }>(items: readonly T[], stored: ReadonlySet<T>, seconds: number): void;
  batchFailed(items: readonly unknown[], seconds: number): void;
}

export function registerIngestMetrics(registry: Registry): IngestMetrics {
  const ingested = new Counter({
    name: 'vilicus_results_ingested_total',
    help: 'Results stored, by the status the agent reported',
    labelNames: ['status'],
    registers: [registry],
  });
  for (const status of statuses) ingested.inc({ status }, 0); // every status present from the start
  const duplicates = new Counter({
    name: 'vilicus_results_duplicate_total',
    help: 'Results posted again that were already stored (retries), not stored twice',
    registers: [registry],
  });
  const size = new Histogram({
    name: 'vilicus_ingest_batch_size',
    help: 'Results per group-commit batch (one database transaction)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'vilicus_ingest_batch_duration_seconds',
    help: 'Time to write and evaluate one group-commit batch, including its commit',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'vilicus_ingest_batch_failures_total',
    help: 'Group-commit batches whose transaction failed (their posts were answered with an error)',
    registers: [registry],
  });
  return {
    batchCommitted(items, stored, seconds) {
      const byStatus = new Map<Status, number>();
      for (const item of items) {
        if (stored.has(item)) byStatus.set(item.status, (byStatus.get(item.status) ?? 0) + 1);
      }
      for (const [status, count] of byStatus) ingested.inc({ status }, count);
      duplicates.inc(items.length - stored.size);
      size.observe(items.length);
      duration.observe(seconds);
    },
    batchFailed(_items, seconds) {
      failures.inc();
      duration.observe(seconds);
    },
  };
}
