// Transitions and the claims of clamped results laid out by day (ADR 10), on
// PGlite and PostgreSQL: rows of a day without a partition land in the default
// one and the upkeep moves them into their day; retention drops whole days and
// touches nothing newer; the dashboard's timeline reads them back; a claim is
// a duplicate whichever day's partition holds it. And the window between the
// detach of an hour and its fold: a resend then is a duplicate, read once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds, type TestDatabase } from '../../helpers/app.ts';
import { openHistoryDatabase } from '../../helpers/history.ts';
import { writeBatch, type ResultItem } from '../../../server/db/results.repository.ts';
import { maintainHistory } from '../../../server/db/history-maintenance.ts';
import { checkTransitions } from '../../../server/db/dashboard.repository.ts';
import { readHistory } from '../../../server/db/history/read.ts';
import {
  CLAMPED,
  TRANSITIONS,
  dayOf,
  dayPartition,
  hourOf,
  rotateDefault,
} from '../../../server/db/history/partitions.ts';
import { sql } from '../../../server/db/sql.ts';
import type { Status } from '../../../server/domain/status.ts';

const postgresUrl = inject('postgresUrl');
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;

describe.each(dbKinds(postgresUrl))('daily history on %s', (kind) => {
  let t: TestDatabase;
  const agentId = crypto.randomUUID();
  const checks = Array.from({ length: 4 }, () => crypto.randomUUID());
  const now = new Date();
  const db = () => t.db.orm.em.fork().getKysely();
  const item = (checkId: string, status: Status, at: number, value = 1): ResultItem => ({
    checkId,
    agentId,
    status,
    value,
    message: status,
    observedAt: new Date(at),
    rules: { sustainMs: 0, severity: 'critical' },
    recipients: [],
  });
  /** A result whose agent's clock was a day ahead: stored at its receipt time, its claim kept. */
  const clamped = (checkId: string, receivedAt: number, claimed: number): ResultItem => ({
    ...item(checkId, 'OK', receivedAt),
    claimedAt: new Date(claimed),
  });
  const write = (items: ResultItem[], receivedAt = now) => writeBatch(t.db.orm.em.fork(), items, receivedAt);
  const upkeep = (at = now) => maintainHistory(t.db.orm.em.fork(), at, WEEK, { databaseUrl: t.db.url });
  const tables = async (prefix: string) =>
    (
      await sql<{ name: string }>`select relname as name from pg_class
        where relkind = 'r' and starts_with(relname, ${prefix}) order by relname`.execute(db())
    ).rows.map((r) => r.name);
  const count = async (table: string) =>
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.id(table)}`.execute(db())).rows[0]!.n;
  const timeline = async (checkId: string) =>
    (await checkTransitions(t.db.orm.em.fork(), checkId, new Date(0))).within.map((f) => [
      f.to,
      Math.round(f.at * 1000),
    ]);

  beforeAll(async () => {
    t = await openHistoryDatabase(kind, postgresUrl, agentId, checks);
  });
  afterAll(async () => t?.close());

  it('moves late rows into partitions of their days, then drops a day past retention whole and nothing newer', async () => {
    const check = checks[0]!;
    const old = now.getTime() - 9 * DAY;
    const recent = now.getTime() - DAY;
    // Past days have no partitions: their transitions and claims land in the defaults.
    await write([item(check, 'CRITICAL', old), item(check, 'OK', old + 30_000)], new Date(old + 31_000));
    await write([clamped(check, old + 60_000, old + DAY)], new Date(old + 60_000));
    await write([item(check, 'CRITICAL', recent), item(check, 'OK', recent + 30_000)], new Date(recent + 31_000));
    await write([clamped(check, recent + 60_000, recent + DAY)], new Date(recent + 60_000));
    expect(await count(TRANSITIONS.default!)).toBe(4);
    expect(await count(CLAMPED.default!)).toBe(2);

    const settled = await upkeep(new Date(now.getTime() - 3 * DAY)); // the old day is inside retention then
    expect(settled.settled).toBe(6);
    expect(await count(TRANSITIONS.default!)).toBe(0);
    expect(await count(CLAMPED.default!)).toBe(0);
    expect(await count(dayPartition(TRANSITIONS, dayOf(old)))).toBe(2);
    expect(await count(dayPartition(CLAMPED, dayOf(recent)))).toBe(1);
    expect(await timeline(check)).toEqual([
      ['CRITICAL', old],
      ['OK', old + 30_000],
      ['CRITICAL', recent],
      ['OK', recent + 30_000],
    ]);

    const newer = [dayPartition(TRANSITIONS, dayOf(recent)), dayPartition(CLAMPED, dayOf(recent))];
    const snapshot = () =>
      Promise.all(
        newer.map(
          async (table) => (await sql`select ctid::text, * from ${sql.id(table)} order by ctid`.execute(db())).rows,
        ),
      );
    const before = await snapshot();
    const done = await upkeep();
    expect(done.droppedDays).toBeGreaterThanOrEqual(2);
    expect(await tables('transition_d')).not.toContain(dayPartition(TRANSITIONS, dayOf(old)));
    expect(await tables('clamped_result_d')).not.toContain(dayPartition(CLAMPED, dayOf(old)));
    expect(await snapshot()).toEqual(before); // same tuples: nothing newer deleted or rewritten
    expect(await timeline(check)).toEqual([
      ['CRITICAL', recent],
      ['OK', recent + 30_000],
    ]);
  });

  it("lands today's transitions in today's partition, made ahead, and makes tomorrow's from 22:00", async () => {
    const check = checks[1]!;
    const today = dayOf(now.getTime());
    await upkeep();
    await write([item(check, 'CRITICAL', now.getTime())]);
    expect(await count(TRANSITIONS.default!)).toBe(0);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(dayPartition(TRANSITIONS, today))}
      where check_id = ${check}`.execute(db());
    expect(rows).toEqual([{ n: 1 }]);
    const later = today + 3 * DAY; // a day no other step made partitions for
    await upkeep(new Date(later + 22 * HOUR - 1));
    expect(await tables(dayPartition(TRANSITIONS, later))).toEqual([dayPartition(TRANSITIONS, later)]);
    expect(await tables(dayPartition(TRANSITIONS, later + DAY))).toEqual([]);
    await upkeep(new Date(later + 22 * HOUR));
    expect(await tables(dayPartition(CLAMPED, later + DAY))).toEqual([dayPartition(CLAMPED, later + DAY)]);
  });

  it('takes a resend of a clamped result as a duplicate when its claim sits in an earlier day', async () => {
    const check = checks[2]!;
    const first = now.getTime() - DAY - 60_000;
    const claimed = now.getTime() + 5 * DAY;
    expect((await write([clamped(check, first, claimed)], new Date(first))).stored.size).toBe(1);
    await upkeep(); // the claim moves into yesterday's partition
    expect(await count(dayPartition(CLAMPED, dayOf(first)))).toBeGreaterThanOrEqual(1);
    const again = now.getTime() - 1000; // today: another day's partition than the claim's
    expect((await write([clamped(check, again, claimed)], new Date(again))).stored.size).toBe(0);
    const stored = await readHistory(db(), { checkIds: [check], agentId, from: 0, to: now.getTime() + HOUR });
    expect(stored.map((r) => r.t)).toEqual([first]);
  });

  it('takes a resend as a duplicate while its hour is detached and not yet folded, and reads each result once', async () => {
    const check = checks[3]!;
    const hour = hourOf(now.getTime()) - 3 * HOUR;
    const first = [item(check, 'OK', hour + 1000, 1), item(check, 'OK', hour + 31_000, 2)];
    expect((await write(first)).stored.size).toBe(2);
    // The upkeep's first step alone: the late results swapped out of the default, not yet folded.
    await t.db.orm.em.fork().transactional((tx) => rotateDefault(tx.getKysely(), now.getTime()));
    expect((await tables('check_result_late_')).length).toBeGreaterThanOrEqual(1);
    const resent = first.map((i) => ({ ...i, value: 99 }));
    expect((await write(resent)).stored.size).toBe(0);
    const read = async () =>
      (await readHistory(db(), { checkIds: [check], agentId, from: 0, to: now.getTime() + HOUR })).map((r) => r.value);
    expect(await read()).toEqual([1, 2]);
    await upkeep();
    expect(await tables('check_result_late_')).toEqual([]);
    expect(await read()).toEqual([1, 2]);
  });
});
