// The ingest write on a real database: what goes in comes back verbatim
// (values travel inlined as literals), retries are duplicates, and two
// transactions that both start a new series do not overwrite each other.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds, openTestDatabase, type DbKind, type TestDatabase } from '../../helpers/app.ts';
import { migrate } from '../../../server/db/orm.ts';
import { writeBatch, type ResultItem } from '../../../server/db/results.repository.ts';
import { sql, type RawBuilder } from '../../../server/db/sql.ts';
import type { Status } from '../../../server/domain/status.ts';

const postgresUrl = inject('postgresUrl');

/** A migrated database with one agent and 120 checks, and helpers to write results for them. */
function writer(kind: DbKind) {
  let t: TestDatabase;
  const agentId = crypto.randomUUID();
  const otherAgentId = crypto.randomUUID();
  const checks = Array.from({ length: 120 }, () => crypto.randomUUID());
  beforeAll(async () => {
    t = await openTestDatabase(kind, postgresUrl);
    await migrate(t.db.orm);
    const db = t.db.orm.em.fork().getKysely();
    await sql`insert into "agent" (id, name, labels, token_hash, created_at)
      values (${agentId}, 'writer', '{}', 'h', now()), (${otherAgentId}, 'other-writer', '{}', 'h2', now())`.execute(
      db,
    );
    await sql`insert into "check" (id, namespace, name, kind, spec, labels, created_at, updated_at)
      select id, 'default', 'c' || n, 'cpu', '{"cpu":{"above":90}}', '{}', now(), now()
      from unnest(${checks}::uuid[]) with ordinality as u(id, n)`.execute(db);
  });
  afterAll(async () => t?.close());
  return {
    checks,
    otherAgentId,
    item: (checkId: string, status: Status, at: number, message: string | null = null): ResultItem => ({
      checkId,
      agentId,
      status,
      value: at,
      message,
      observedAt: new Date(at),
      rules: { sustainMs: 0, severity: 'critical' },
      recipients: ['ops@example.com'],
    }),
    write: (items: ResultItem[]) => writeBatch(t.db.orm.em.fork(), items, new Date()),
    query: async <R>(statement: RawBuilder<R>) => (await statement.execute(t.db.orm.em.fork().getKysely())).rows,
  };
}

describe.each(dbKinds(postgresUrl))('writeBatch on %s', (kind) => {
  const { checks, otherAgentId, item, write, query } = writer(kind);
  const count = async (check: string) =>
    (await query(sql<{ n: number }>`select count(*)::int as n from "check_result" where check_id = ${check}`))[0]!.n;

  it('stores messages verbatim, whatever characters they hold', async () => {
    const messages = ["it's", 'C:\\path\\n', "$1 $$ $tag$ E'x'", '{"a",NULL}', 'ü ✓ 日本\nnext line\ttab', '', 'NULL'];
    const items = messages.map((m, i) => item(checks[0]!, 'OK', 1_000 + i, m));
    const outcome = await write(items);
    expect(outcome.stored.size).toBe(messages.length);
    const rows = await query(
      sql<{ t: number; message: string }>`select (extract(epoch from observed_at) * 1000)::int as t, message
        from "check_result" where check_id = ${checks[0]}`,
    );
    const byTime = new Map(rows.map((r) => [r.t, r.message]));
    expect(items.map((i) => byTime.get(i.observedAt.getTime()))).toEqual(messages);
  });

  it('evaluates in observation order, writes transitions and outbox rows, and takes a retry as a duplicate', async () => {
    const check = checks[1]!;
    const batch = [item(check, 'CRITICAL', 3_000, 'down'), item(check, 'OK', 2_000), item(check, 'OK', 4_000)];
    expect(await write(batch)).toEqual({ stored: new Set(batch), orphaned: new Set(), transitions: 3 });
    expect(await write(batch)).toEqual({ stored: new Set(), orphaned: new Set(), transitions: 0 });
    const states = await query(sql<{ status: string; value: number }>`
      select status, value from "check_state" where check_id = ${check}`);
    expect(states).toEqual([{ status: 'OK', value: 4_000 }]);
    const moves = await query(sql<{ from_status: string | null; to_status: string }>`
      select from_status, to_status from "transition" where check_id = ${check} order by at`);
    expect(moves).toEqual([
      { from_status: null, to_status: 'OK' },
      { from_status: 'OK', to_status: 'CRITICAL' },
      { from_status: 'CRITICAL', to_status: 'OK' },
    ]);
    const mails = await query(sql<{ status: string; recipients: string[] }>`
      select status, recipients from "notification" where check_id = ${check} order by at`);
    expect(mails).toEqual([
      { status: 'CRITICAL', recipients: ['ops@example.com'] },
      { status: 'OK', recipients: ['ops@example.com'] },
    ]);
  });

  it("stores another agent's result of the same time, and one result twice in a batch once", async () => {
    const mine = item(checks[2]!, 'OK', 5_000);
    const again = { ...mine, value: 6_000 }; // the same series and time again in the same batch: the same result
    const theirs = { ...mine, agentId: otherAgentId, status: 'CRITICAL' as const };
    expect(await write([mine, again])).toEqual({ stored: new Set([mine]), orphaned: new Set(), transitions: 1 });
    expect(await write([theirs])).toEqual({ stored: new Set([theirs]), orphaned: new Set(), transitions: 1 });
    const states = await query(sql<{ agent: string; status: string }>`
      select agent_id::text as agent, status from "check_state" where check_id = ${checks[2]} order by status`);
    expect(states).toEqual([
      { agent: otherAgentId, status: 'CRITICAL' },
      { agent: mine.agentId, status: 'OK' },
    ]);
    expect(await count(checks[2]!)).toBe(2);
  });

  it('leaves out a result whose check is gone and stores the rest of the batch', async () => {
    const gone = crypto.randomUUID(); // never existed, or deleted by another replica since the catalogue was read
    const kept = item(checks[3]!, 'OK', 7_000);
    const orphan = item(gone, 'CRITICAL', 7_000);
    expect(await write([orphan, kept])).toEqual({
      stored: new Set([kept]),
      orphaned: new Set([orphan]),
      transitions: 1,
    });
    expect(await count(checks[3]!)).toBe(1);
    expect(await count(gone)).toBe(0);
  });
});

// Concurrent transactions need a pool of more than one connection: PostgreSQL only (PGlite has one session).
describe.each(dbKinds(postgresUrl).filter((kind) => kind === 'postgres'))('concurrent writeBatch on %s', (kind) => {
  const { checks, item, write, query } = writer(kind);

  it('two batches starting the same series at once end in the newest state, with one first transition each', async () => {
    // Per series: an older OK and a newer CRITICAL, in two batches committed at the same time; three rounds of
    // 40 new series, as the two transactions do not always meet.
    for (let round = 0; round < 3; round++) {
      const series = checks.slice(round * 40, round * 40 + 40);
      const older = series.map((c) => item(c, 'OK', 10_000));
      const newer = series.map((c) => item(c, 'CRITICAL', 20_000));
      const outcomes = await Promise.all([write(older), write(newer)]);
      expect(outcomes.map((o) => o.stored.size)).toEqual([series.length, series.length]);
    }
    const states = await query(sql<{ status: string; last: string }>`
      select status, (extract(epoch from last_observed_at) * 1000)::bigint::text as last from "check_state"`);
    expect(states).toEqual(checks.map(() => ({ status: 'CRITICAL', last: '20000' })));
    const firsts = await query(sql<{ n: number }>`
      select count(*)::int as n from "transition" where from_status is null`);
    expect(firsts).toEqual([{ n: checks.length }]);
  });
});
