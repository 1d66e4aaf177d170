// The committed migrations build exactly the schema the entities describe,
// on PGlite and on PostgreSQL; `vilicus migrate` applies them once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds, openTestDatabase, type TestDatabase } from '../../helpers/app.ts';
import { migrate, pendingMigrations } from '../../../server/db/orm.ts';
import { pruneHistory } from '../../../server/db/sweeps.repository.ts';
import { sql } from '../../../server/db/sql.ts';
import { migrations } from '../../../server/db/migrations/index.ts';

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

  it('prunes history older than the cutoff in batches and keeps the rest', async () => {
    const em = t.db.orm.em.fork();
    const db = em.getKysely();
    const agent = crypto.randomUUID();
    const check = crypto.randomUUID();
    await sql`insert into "agent" (id, name, labels, token_hash, created_at) values (${agent}, 'prune-agent', '{}', 'h', now())`.execute(
      db,
    );
    await sql`insert into "check" (id, namespace, name, kind, spec, labels, created_at, updated_at)
      values (${check}, 'default', 'prune-check', 'cpu', '{"cpu":{"above":90}}', '{}', now(), now())`.execute(db);
    await sql`insert into "check_result" (id, check_id, agent_id, status, observed_at, received_at)
      select gen_random_uuid(), ${check}, ${agent}, 'OK', t, t
      from generate_series(now() - interval '10 days', now(), interval '1 hour') as t`.execute(db);
    const cutoff = new Date(Date.now() - 7 * 86_400_000);
    const count = async () => {
      const { rows } = await sql<{ old: string; all: string }>`select
        count(*) filter (where received_at < ${cutoff}) as old, count(*) as all from "check_result"`.execute(db);
      return { old: Number(rows[0]!.old), all: Number(rows[0]!.all) };
    };
    const before = await count();
    expect(before.old).toBeGreaterThanOrEqual(72); // 3 of the 10 days, hourly
    const deleted = await pruneHistory(em, cutoff, 10); // small batches: many rounds
    expect(deleted).toBe(before.old);
    expect(await count()).toEqual({ old: 0, all: before.all - before.old });
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
    expect(await migrate(t.db.orm)).toContain('Migration20261201010000_result_id_per_agent');
    await insert(b); // per agent after
    const { rows } = await sql<{ agent: string }>`select agent_id::text as agent from "check_result"
      where id = ${id} order by agent_id = ${a} desc`.execute(db);
    expect(rows).toEqual([{ agent: a }, { agent: b }]);
  });
});
