// A worker thread's entry point (fold-thread.ts starts it): the fold of one
// hot table (compaction.ts) on a PostgreSQL connection of its own. Decoding,
// merging and encoding an hour of results is CPU work that, on the server's
// event loop, held every request waiting behind it (ADR 10); here the event
// loop keeps answering agents. It loads Kysely and pg only, not the ORM, and
// ends when the fold does, connection closed.
import { parentPort, workerData } from 'node:worker_threads';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { compactTable } from './compaction.ts';
import { FOLD_APPLICATION_NAME, type FoldJob } from './fold-thread.ts';

const job = workerData as FoldJob;
const pool = new pg.Pool({
  connectionString: job.databaseUrl,
  max: 1,
  connectionTimeoutMillis: job.connectTimeoutMs,
  application_name: FOLD_APPLICATION_NAME,
});
const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
try {
  const done = await compactTable({ db, transaction: (work) => db.transaction().execute(work) }, job.table, job.cutoff);
  parentPort!.postMessage(done);
} finally {
  await db.destroy();
}
