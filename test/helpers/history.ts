// A migrated database holding one agent and a few cpu checks, for the tests
// of result history (test/integration/db/history*.test.ts).
import { migrate } from '../../server/db/orm.ts';
import { sql } from '../../server/db/sql.ts';
import { openTestDatabase, type DbKind, type TestDatabase } from './app.ts';

export async function openHistoryDatabase(
  kind: DbKind,
  postgresUrl: string | null,
  agentId: string,
  checkIds: readonly string[],
): Promise<TestDatabase> {
  const t = await openTestDatabase(kind, postgresUrl);
  await migrate(t.db.orm);
  const db = t.db.orm.em.fork().getKysely();
  await sql`insert into "agent" (id, name, labels, token_hash, created_at)
    values (${agentId}, 'history', '{}', 'h', now())`.execute(db);
  await sql`insert into "check" (id, namespace, name, kind, spec, labels, created_at, updated_at)
    select id, 'default', 'h' || n, 'cpu', '{"cpu":{"above":90}}', '{}', now(), now()
    from unnest(${checkIds}::uuid[]) with ordinality as u(id, n)`.execute(db);
  return t;
}
