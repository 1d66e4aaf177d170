// The fold in its worker thread (server/db/history/fold-thread.ts), on
// PostgreSQL, where the server runs it: it folds on a session of its own and
// answers what it folded; a thread stopped before it answered (the server
// stopping) and a database out of reach each reject the round, clearly, and
// leave the table whole for the next round (folding is idempotent).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openHistoryDatabase } from '../../helpers/history.ts';
import { dbKinds, type TestDatabase } from '../../helpers/app.ts';
import { waitFor } from '../../helpers/processes.ts';
import { writeBatch, type ResultItem } from '../../../server/db/results.repository.ts';
import { maintainHistory } from '../../../server/db/history-maintenance.ts';
import { FOLD_APPLICATION_NAME, foldInWorker } from '../../../server/db/history/fold-thread.ts';
import { rotateDefault } from '../../../server/db/history/partitions.ts';
import { readHistory } from '../../../server/db/history/read.ts';
import { sql } from '../../../server/db/sql.ts';

const postgresUrl = inject('postgresUrl');
const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

// PostgreSQL alone: the embedded database folds on the server's thread (one session). Without PostgreSQL
// there is no case (global-setup.ts fails the run in CI).
describe.each(dbKinds(postgresUrl).filter((kind) => kind === 'postgres'))(
  'the fold in a worker thread on %s',
  (kind) => {
    let t: TestDatabase;
    const agentId = crypto.randomUUID();
    const check = crypto.randomUUID();
    const now = new Date();
    const db = () => t.db.orm.em.fork().getKysely();
    const lateTables = async () =>
      (
        await sql<{ name: string }>`select relname as name from pg_class
        where relkind = 'r' and not relispartition and starts_with(relname, 'check_result_late_')`.execute(db())
      ).rows.map((r) => r.name);
    const foldWaitingOnLock = async () =>
      (
        await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where application_name = ${FOLD_APPLICATION_NAME} and wait_event_type = 'Lock'`.execute(db())
      ).rows[0]!.n === 1;
    const item = (at: number): ResultItem => ({
      checkId: check,
      agentId,
      status: 'OK',
      value: at / 1000,
      message: 'late',
      observedAt: new Date(at),
      rules: { sustainMs: 0, severity: 'critical' },
      recipients: [],
    });

    beforeAll(async () => {
      t = await openHistoryDatabase(kind, postgresUrl, agentId, [check]);
    });
    afterAll(async () => t?.close());

    it('folds on a session of its own; a round stopped or out of reach rejects and leaves the table to the next', async () => {
      // Results three hours old have no partition: they wait in the default one, swapped out as a table of
      // late results, which the upkeep folds.
      const times = Array.from({ length: 20 }, (_, i) => now.getTime() - 3 * HOUR + i * 30_000);
      await writeBatch(t.db.orm.em.fork(), times.map(item), now);
      await t.db.orm.em.fork().transactional((tx) => rotateDefault(tx.getKysely(), now.getTime()));
      const [table] = await lateTables();
      expect(table).toBeDefined();

      // Another session holds the table: the fold's own session waits on it, and the server stops meanwhile.
      const holder = new pg.Client({ connectionString: t.db.url });
      await holder.connect();
      try {
        await holder.query(`begin; lock table "${table}" in access exclusive mode`);
        const stopping = new AbortController();
        const round = maintainHistory(t.db.orm.em.fork(), now, WEEK, {
          databaseUrl: t.db.url,
          signal: stopping.signal,
        });
        await waitFor(foldWaitingOnLock, 30_000);
        stopping.abort();
        await expect(round).rejects.toThrow(`the fold of ${table} stopped (worker exit code 1) before it answered`);
        await holder.query('rollback');
      } finally {
        await holder.end();
      }
      expect(await lateTables()).toEqual([table]);

      const unreachable = foldInWorker({
        databaseUrl: 'postgres://vilicus@127.0.0.1:1/none',
        connectTimeoutMs: 2000,
        table: table!,
        cutoff: 0,
      });
      await expect(unreachable).rejects.toThrow(/ECONNREFUSED/);
      expect(await lateTables()).toEqual([table]);

      const done = await maintainHistory(t.db.orm.em.fork(), now, WEEK, { databaseUrl: t.db.url });
      expect(done).toMatchObject({ compacted: times.length, blocks: 1 });
      expect(await lateTables()).toEqual([]);
      const read = await readHistory(db(), { checkIds: [check], agentId, from: 0, to: now.getTime() });
      expect(read.map((r) => [r.t, r.value, r.message])).toEqual(times.map((at) => [at, at / 1000, 'late']));
    });
  },
);
