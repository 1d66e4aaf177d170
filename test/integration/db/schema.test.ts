// The committed migrations build exactly the schema the entities describe,
// on PGlite and on PostgreSQL; `vilicus migrate` applies them once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds, openTestDatabase, type TestDatabase } from '../../helpers/app.ts';
import { migrate, pendingMigrations } from '../../../server/db/orm.ts';
import { sql } from '../../../server/db/sql.ts';
import { migrations } from '../../../server/db/migrations/index.ts';
import { maintainHistory } from '../../../server/db/history-maintenance.ts';
import { readHistory } from '../../../server/db/history/read.ts';
import { CLAMPED, TRANSITIONS, dayOf, dayPartition } from '../../../server/db/history/partitions.ts';

const postgresUrl = inject('postgresUrl');

describe.each(dbKinds(postgresUrl))('schema on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind, postgresUrl);
  });
  afterAll(async () => t?.close());

  it('applies every migration once and then has none pending', async () => {
    // Every migration in the committed list, each once, in order.
    expect(await pendingMigrations(t.db.orm)).toBe(migrations.length);
    expect(await migrate(t.db.orm)).toEqual(migrations.map((m) => m.name));
    expect(await pendingMigrations(t.db.orm)).toBe(0);
    expect(await migrate(t.db.orm)).toEqual([]);
  });

  it('matches the entities: the schema diff after migrating is empty', async () => {
    const diff = await t.db.orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
    expect(diff.trim()).toBe('');
  });
});

describe.each(dbKinds(postgresUrl))('migrating forward on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind, postgresUrl);
  });
  afterAll(async () => t?.close());

  it('keeps the results stored under global ids and then takes an id per agent', async () => {
    await t.db.orm.migrator.up({ to: 'Migration20261125010000_alerts' });
    const db = t.db.orm.em.fork().getKysely();
    const [a, b, check, id] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await sql`insert into "agent" (id, name, labels, token_hash, created_at)
      values (${a}, 'before-a', '{}', 'ha', now()), (${b}, 'before-b', '{}', 'hb', now())`.execute(db);
    await sql`insert into "check" (id, namespace, name, kind, spec, labels, created_at, updated_at)
      values (${check}, 'default', 'before', 'cpu', '{"cpu":{"above":90}}', '{}', now(), now())`.execute(db);
    const insert = (agent: string) =>
      sql`insert into "check_result" (id, check_id, agent_id, status, observed_at, received_at)
      values (${id}, ${check}, ${agent}, 'OK', now(), now())`.execute(db);
    await insert(a);
    await expect(insert(b)).rejects.toThrow(/check_result_pkey/); // global before
    await t.db.orm.migrator.up({ to: 'Migration20261201010000_result_id_per_agent' });
    await insert(b); // per agent after
    const { rows } = await sql<{ agent: string }>`select agent_id::text as agent from "check_result"
      where id = ${id} order by agent_id = ${a} desc`.execute(db);
    expect(rows).toEqual([{ agent: a }, { agent: b }]);
  });

  it('carries that history into the new layout: hot first, then blocks once the upkeep ran, transitions and claims by day', async () => {
    const db = t.db.orm.em.fork().getKysely();
    const { rows: ids } = await sql<{ a: string; check: string }>`
      select agent_id::text as a, check_id::text as "check" from "check_result" limit 1`.execute(db);
    const { a, check } = ids[0]!;
    const hour = 3_600_000;
    const now = Date.now();
    const times = [now - 30 * hour, now - 3 * hour, now - 3 * hour + 30_000];
    for (const at of times)
      await sql`insert into "check_result" (id, check_id, agent_id, status, value, message, observed_at, received_at)
        values (gen_random_uuid(), ${check}, ${a}, 'WARNING', ${at / 1000}, ${`at ${at}`}, ${new Date(at)}, now())`.execute(
        db,
      );
    // One result posted twice under two ids: one result.
    await sql`insert into "check_result" (id, check_id, agent_id, status, observed_at, received_at)
      values (gen_random_uuid(), ${check}, ${a}, 'OK', ${new Date(times[0]!)}, now())`.execute(db);
    const { rows: before } = await sql<{ mine: number; all: number }>`
      select count(*) filter (where agent_id = ${a})::int as mine, count(*)::int as all from "check_result"`.execute(
      db,
    );
    // Transitions of two days, and (once the table exists) a claim of a clamped result.
    const moves = [now - 30 * hour, now - 3 * hour];
    for (const at of moves)
      await sql`insert into "transition" (check_id, agent_id, from_status, to_status, at, reason)
        values (${check}, ${a}, 'OK', 'WARNING', ${new Date(at)}, 'result')`.execute(db);
    const transitions = () =>
      sql<{ id: number; at: number; home: string }>`select id::int, (extract(epoch from at) * 1000)::float8 as at,
        tableoid::regclass::text as home from "transition" order by id`.execute(db);
    const { rows: moved } = await transitions();
    await t.db.orm.migrator.up({ to: 'Migration20261202000000_result_blocks' });
    await sql`insert into "clamped_result" (check_id, agent_id, claimed_at, observed_at)
      values (${check}, ${a}, ${new Date(now + 86_400_000)}, ${new Date(times[1]!)})`.execute(db);
    expect(await migrate(t.db.orm)).toEqual(['Migration20261202010000_daily_history']);
    const read = () =>
      readHistory(db, { checkIds: [check], agentId: a, from: 0, to: now + hour }).then((rows) =>
        rows.map((r) => ({ t: r.t, status: r.status, value: r.value, message: r.message })),
      );
    const carried = await read();
    expect(carried.length).toBe(before[0]!.mine - 1);
    expect(carried.filter((r) => r.status === 'WARNING')).toEqual(
      times.map((at) => ({ t: at, status: 'WARNING', value: at / 1000, message: `at ${at}` })),
    );
    const upkeep = await maintainHistory(t.db.orm.em.fork(), new Date(now), 7 * 86_400_000, { databaseUrl: t.db.url });
    expect(upkeep.compacted).toBe(before[0]!.all - 1); // every agent's, each result once
    const { rows: hot } = await sql<{ n: number }>`select count(*)::int as n from "check_result"`.execute(db);
    expect(hot).toEqual([{ n: 0 }]);
    expect(await read()).toEqual(carried);
    // Transitions and claims in partitions of their days, ids going on from where they were.
    expect((await transitions()).rows).toEqual(
      moved.map((m) => ({ ...m, home: dayPartition(TRANSITIONS, dayOf(Math.round(m.at))) })),
    );
    const { rows: next } = await sql<{
      id: number;
    }>`insert into "transition" (check_id, agent_id, to_status, at, reason)
      values (${check}, ${a}, 'OK', now(), 'result') returning id::int`.execute(db);
    expect(next[0]!.id).toBeGreaterThan(Math.max(...moved.map((m) => m.id)));
    const { rows: claims } = await sql<{
      home: string;
    }>`select tableoid::regclass::text as home from "clamped_result"`.execute(db);
    expect(claims).toEqual([{ home: dayPartition(CLAMPED, dayOf(times[1]!)) }]);
  });
});
