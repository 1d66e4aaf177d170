// The server's own upkeep of result history (ADR 10), one entry point for
// the timer (server/sweeps.ts), the start-up and the storage benchmark:
//   1. the hot table has partitions for this hour and the next two;
//   2. an hour closed (its end plus a grace) is detached, and late results
//      gathered in the default partition are swapped out with it;
//   3. each detached table is folded into blocks and dropped;
//   4. transitions and claims of clamped results have partitions for today
//      (and, in its last hours, tomorrow); rows that landed in their default
//      partition (a day without one) are moved into partitions of their days;
//   5. days of blocks, transitions and claims wholly past retention are
//      dropped, whole: nothing is deleted row by row.
// Every step is a short transaction under one advisory lock, so with several
// servers on one database one does it at a time. On PostgreSQL step 3 runs in
// a worker thread on a connection of its own (history/fold-thread.ts); on the
// embedded database (one session) here.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Db } from './sql.ts';
import { CONNECT_TIMEOUT_MS } from './orm.ts';
import { compactTable, tryHistoryLock, type Compacted, type FoldDb } from './history/compaction.ts';
import { foldInWorker } from './history/fold-thread.ts';
import {
  CLAMPED,
  CLOSE_GRACE_MS,
  DAILY_TABLES,
  DAY_MS,
  HOUR_MS,
  TRANSITIONS,
  createDayPartition,
  createHourPartition,
  dayOf,
  dayPartitions,
  defaultHasRows,
  detachHour,
  dropTable,
  hotTables,
  hourOf,
  rotateDefault,
  settleDefault,
} from './history/partitions.ts';

const HOURS_AHEAD = 2;
/** Tomorrow's day partitions are made this long before midnight (the upkeep runs every 30 s). */
const DAY_AHEAD_MS = 2 * HOUR_MS;

export interface HistoryUpkeep {
  /** Results folded into blocks, and blocks written. */
  compacted: number;
  blocks: number;
  /** Day partitions (of blocks, transitions, claims) dropped for retention. */
  droppedDays: number;
  /** Rows moved out of a default partition into their days' partitions. */
  settled: number;
}

export interface UpkeepOptions {
  /** PostgreSQL's URL, for the fold's worker thread; without it (the embedded database) the fold runs here. */
  databaseUrl?: string | undefined;
  /** The server stopping: a fold under way in its thread is ended (and done again at the next start). */
  signal?: AbortSignal;
}

const onEntityManager = (em: EntityManager): FoldDb => ({
  db: em.getKysely(),
  transaction: (work) => em.transactional((tx) => work(tx.getKysely())),
});

/** One step in its own transaction, skipped when another server holds the lock. */
function step(em: EntityManager, work: (db: Db) => Promise<void>): Promise<void> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    if (await tryHistoryLock(db)) await work(db);
  });
}

export async function maintainHistory(
  em: EntityManager,
  now: Date,
  retentionMs: number,
  options: UpkeepOptions = {},
): Promise<HistoryUpkeep> {
  const cutoff = new Date(now.getTime() - retentionMs);
  const { databaseUrl, signal } = options;
  const fold = (table: string): Promise<Compacted | null> =>
    databaseUrl
      ? foldInWorker({ databaseUrl, connectTimeoutMs: CONNECT_TIMEOUT_MS, table, cutoff: cutoff.getTime() }, signal)
      : compactTable(onEntityManager(em), table, cutoff.getTime());
  const upkeep: HistoryUpkeep = { compacted: 0, blocks: 0, droppedDays: 0, settled: 0 };
  await step(em, async (db) => {
    await closeRanges(db, now.getTime());
    await ensurePartitions(db, now.getTime());
    for (const table of [TRANSITIONS, CLAMPED]) {
      upkeep.settled += await settleDefault(db, table, cutoff.getTime());
      for (const day of daysAhead(now.getTime())) await createDayPartition(db, table, day);
    }
  });
  const pending = (await hotTables(em.getKysely())).filter((t) => !t.attached);
  for (const table of pending) {
    const done = await fold(table.name);
    if (!done) break;
    upkeep.compacted += done.results;
    upkeep.blocks += done.blocks;
  }
  await step(em, async (db) => {
    for (const table of DAILY_TABLES)
      for (const [day, name] of await dayPartitions(db, table))
        if (day + DAY_MS <= cutoff.getTime()) {
          await dropTable(db, name);
          upkeep.droppedDays++;
        }
  });
  return upkeep;
}

/** Detaches closed hours; swaps out the default partition when late results wait in it. */
async function closeRanges(db: Db, now: number): Promise<void> {
  for (const table of await hotTables(db))
    if (table.attached && table.hour !== null && table.hour + HOUR_MS + CLOSE_GRACE_MS <= now)
      await detachHour(db, table.name);
  if (await defaultHasRows(db)) await rotateDefault(db, now);
}

/**
 * This hour and the next ones get their partitions ahead of time, so fresh
 * results never land in the default partition. After a long stop this hour's
 * results may already wait there: closeRanges swapped them out just before,
 * in the same transaction (no result can land in between).
 */
async function ensurePartitions(db: Db, now: number): Promise<void> {
  for (let h = 0; h <= HOURS_AHEAD; h++) await createHourPartition(db, hourOf(now) + h * HOUR_MS);
}

/** Today, and tomorrow once midnight is near: a day's rows find their partition made. */
function daysAhead(now: number): number[] {
  const today = dayOf(now);
  return now + DAY_AHEAD_MS >= today + DAY_MS ? [today, today + DAY_MS] : [today];
}
