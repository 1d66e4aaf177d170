// What the ingest path tells whoever watches it (server/metrics), without
// depending on it: an observer passed in, a no-op when none is.
import type { ResultItem } from '../db/results.repository.ts';

export interface IngestObserver {
  /** A group-commit batch was committed in `seconds`; `stored` holds the items it stored (the others were retries). */
  batchCommitted(items: readonly ResultItem[], stored: ReadonlySet<ResultItem>, seconds: number): void;
  /** A batch's transaction failed after `seconds`; its posts were answered with the error. */
  batchFailed(items: readonly ResultItem[], seconds: number): void;
}

export const noIngestObserver: IngestObserver = {
  batchCommitted: () => {},
  batchFailed: () => {},
};

/** Wraps a batch writer so each call is timed and reported; the observer never changes the outcome. */
export function observed<R extends { stored: Set<ResultItem> }>(
  write: (items: ResultItem[]) => Promise<R>,
  observer: IngestObserver,
): (items: ResultItem[]) => Promise<R> {
  return async (items) => {
    const started = performance.now();
    try {
      const outcome = await write(items);
      observer.batchCommitted(items, outcome.stored, (performance.now() - started) / 1000);
      return outcome;
    } catch (error) {
      observer.batchFailed(items, (performance.now() - started) / 1000);
      throw error;
    }
  };
}
