// Result history in its compacted layout (ADR 10), on PGlite and PostgreSQL:
// a week written with past times reads back exact once compacted; a resend
// is a duplicate before and after compaction; late results land in their
// compacted hour; retention drops whole days and touches nothing newer.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds, type TestDatabase } from '../../helpers/app.ts';
import { openHistoryDatabase } from '../../helpers/history.ts';
import { writeBatch, type ResultItem } from '../../../server/db/results.repository.ts';
import { maintainHistory } from '../../../server/db/history-maintenance.ts';
import { readHistory } from '../../../server/db/history/read.ts';
import { BLOCKS, dayOf, dayPartition, hourOf } from '../../../server/db/history/partitions.ts';
import { sql } from '../../../server/db/sql.ts';
import { KINDS, weekMix } from '../../../bench/lib/week-mix.ts';

const postgresUrl = inject('postgresUrl');
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

describe.each(dbKinds(postgresUrl))('result history on %s', (kind) => {
  let t: TestDatabase;
  const agentId = crypto.randomUUID();
  const checks = Array.from({ length: KINDS.length + 3 }, () => crypto.randomUUID());
  const now = new Date();
  const db = () => t.db.orm.em.fork().getKysely();
  const item = (checkId: string, at: number, value: number, message: string | null = 'ok'): ResultItem => ({
    checkId,
    agentId,
    status: 'OK',
    value,
    message,
    observedAt: new Date(at),
    rules: { sustainMs: 0, severity: 'critical' },
    recipients: [],
  });
  const write = (items: ResultItem[]) => writeBatch(t.db.orm.em.fork(), items, now);
  const upkeep = (at = now) => maintainHistory(t.db.orm.em.fork(), at, WEEK, { databaseUrl: t.db.url });
  const read = async (checkId: string) =>
    (await readHistory(db(), { checkIds: [checkId], agentId, from: 0, to: now.getTime() + HOUR })).map((r) => ({
      t: r.t,
      value: r.value,
      message: r.message,
    }));
  const hotCount = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from "check_result"`.execute(db())).rows[0]!.n;

  beforeAll(async () => {
    t = await openHistoryDatabase(kind, postgresUrl, agentId, checks);
  });
  afterAll(async () => t?.close());

  it('reads back every result of a past week exact once it is compacted', async () => {
    const week = [
      ...weekMix({
        agents: 1,
        perKind: 1,
        intervalMs: 300_000,
        from: new Date(now.getTime() - WEEK + HOUR),
        to: new Date(now.getTime() - 2 * HOUR),
      }),
    ];
    const items = week.map((r) => ({
      ...item(checks[r.series]!, r.observedAt.getTime(), 0),
      status: r.status,
      value: r.value,
      message: r.message,
    }));
    for (let i = 0; i < items.length; i += 2000) await write(items.slice(i, i + 2000));
    const done = await upkeep();
    expect(done.compacted).toBe(items.length);
    expect(await hotCount()).toBe(0);
    for (let s = 0; s < KINDS.length; s++) {
      const expected = week
        .filter((r) => r.series === s)
        .map((r) => ({ t: r.observedAt.getTime(), value: r.value, message: r.message }));
      expect(await read(checks[s]!)).toEqual(expected);
    }
  });

  it('takes a resend as a duplicate before and after compaction, and lands a late result in its compacted hour', async () => {
    const check = checks[KINDS.length]!;
    const hour = hourOf(now.getTime()) - 3 * HOUR;
    const first = [item(check, hour + 1000, 1), item(check, hour + 31_000, 2), item(check, hour + 61_000, 3)];
    expect((await write(first)).stored.size).toBe(3);
    expect((await write(first)).stored.size).toBe(0); // hot: the primary key
    await upkeep();
    expect(await hotCount()).toBe(0);
    const resent = first.map((i) => ({ ...i, value: 99 }));
    expect((await write(resent)).stored.size).toBe(0); // compacted: the block holds those times
    const late = item(check, hour + 91_000, 4, 'late');
    expect((await write([late, ...resent])).stored).toEqual(new Set([late]));
    await upkeep();
    expect(await read(check)).toEqual([
      { t: hour + 1000, value: 1, message: 'ok' },
      { t: hour + 31_000, value: 2, message: 'ok' },
      { t: hour + 61_000, value: 3, message: 'ok' },
      { t: hour + 91_000, value: 4, message: 'late' },
    ]);
  });

  it('compacts an hour once it is 90 s closed (the upkeep runs every 30 s: within two minutes), not before', async () => {
    const check = checks[KINDS.length + 2]!;
    await upkeep(); // this hour's partition exists
    const hour = hourOf(now.getTime());
    const mine = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from "check_result" where check_id = ${check}`.execute(db()))
        .rows[0]!.n;
    expect((await write([item(check, hour + 5, 1), item(check, now.getTime(), 2)])).stored.size).toBe(2);
    expect(await mine()).toBe(2);
    await upkeep(new Date(hour + HOUR + 89_000)); // results of its last second may still be on their way
    expect(await mine()).toBe(2);
    const done = await upkeep(new Date(hour + HOUR + 90_000));
    expect(done.compacted).toBeGreaterThanOrEqual(2);
    expect(await mine()).toBe(0);
    expect(await read(check)).toEqual([
      { t: hour + 5, value: 1, message: 'ok' },
      { t: now.getTime(), value: 2, message: 'ok' },
    ]);
  });

  it('drops a day of blocks past retention whole, and leaves newer days untouched', async () => {
    const check = checks[KINDS.length + 1]!;
    const old = now.getTime() - 9 * DAY;
    const recent = now.getTime() - DAY;
    await write([item(check, old, 1), item(check, recent, 2)]);
    await upkeep(new Date(now.getTime() - 3 * DAY)); // the old day is inside retention then
    expect(await read(check)).toEqual([
      { t: old, value: 1, message: 'ok' },
      { t: recent, value: 2, message: 'ok' },
    ]);
    const tables = async () =>
      (
        await sql<{
          name: string;
        }>`select relname as name from pg_class where starts_with(relname, 'result_block_d')`.execute(db())
      ).rows.map((r) => r.name);
    const newer = dayPartition(BLOCKS, dayOf(recent));
    const snapshot = () =>
      sql<{ ctid: string; data: Buffer }>`select ctid::text, data from ${sql.id(newer)} order by ctid`.execute(db());
    const before = (await snapshot()).rows;
    expect(await tables()).toContain(dayPartition(BLOCKS, dayOf(old)));
    const done = await upkeep();
    expect(done.droppedDays).toBeGreaterThanOrEqual(1);
    expect(await tables()).not.toContain(dayPartition(BLOCKS, dayOf(old)));
    expect((await snapshot()).rows).toEqual(before); // same tuples, same bytes: nothing rewritten
    expect(await read(check)).toEqual([{ t: recent, value: 2, message: 'ok' }]);
  });
});
