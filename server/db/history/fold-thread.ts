// Starts fold-worker.ts for one table and answers what it folded. A thread
// per fold (an hour's table, once an hour): nothing is held between folds.
// A thread that ends without answering (killed, out of memory) rejects, and
// the upkeep tries again on its next round: folding is idempotent.
import { Worker } from 'node:worker_threads';
import { BUNDLED } from '../../../contract/version.ts';
import type { Compacted } from './compaction.ts';

export interface FoldJob {
  databaseUrl: string;
  connectTimeoutMs: number;
  table: string;
  /** Results older than this (ms since the epoch) are past retention: dropped with the table. */
  cutoff: number;
}

/** How the fold's session shows in pg_stat_activity. */
export const FOLD_APPLICATION_NAME = 'vilicus history fold';

/** Beside this module in the sources; the server build makes it an entry point at its root (cli/build-server.ts). */
const WORKER_MODULE = new URL(BUNDLED ? './fold-worker.js' : './fold-worker.ts', import.meta.url);

/** Folds `job.table` in a worker thread; `signal` (the server stopping) ends the thread, its transaction rolled back. */
export function foldInWorker(job: FoldJob, signal?: AbortSignal): Promise<Compacted | null> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error(`the fold of ${job.table} was not started: the server is stopping`));
    const worker = new Worker(WORKER_MODULE, { workerData: job });
    const stop = (): void => void worker.terminate();
    signal?.addEventListener('abort', stop, { once: true });
    let answered = false;
    worker.once('message', (done: Compacted | null) => {
      answered = true;
      resolve(done);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', stop);
      if (!answered)
        reject(new Error(`the fold of ${job.table} stopped (worker exit code ${code}) before it answered`));
    });
  });
}
