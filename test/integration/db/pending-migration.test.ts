// Migration20261201000000_pending moves existing states forward: what the old
// evaluation wrote while a for: window filled becomes a pending problem, and a
// state it made UNKNOWN for a first problem (nothing had counted) is PENDING.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds, openTestDatabase, type TestDatabase } from '../../helpers/app.ts';
import { migrate } from '../../../server/db/orm.ts';
import { sql } from '../../../server/db/sql.ts';

const postgresUrl = inject('postgresUrl');
const T0 = Date.parse('2026-11-30T12:00:00.000Z');
const at = (s: number): Date => new Date(T0 + s * 1000);

/** [agent, status, since, warnSince, critSince, lastRaw] as the old code left them; times in seconds after T0. */
type OldRow = [string, string, number, number | null, number | null, string | null];

describe.each(dbKinds(postgresUrl))('the pending migration on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind, postgresUrl);
    await t.db.orm.migrator.up({ to: 'Migration20261125010000_alerts' });
  });
  afterAll(async () => t?.close());

  it('turns filling windows into pending problems and a first one into PENDING', async () => {
    const db = t.db.orm.em.fork().getKysely();
    const check = crypto.randomUUID();
    await sql`insert into "check" (id, namespace, name, kind, spec, labels, created_at, updated_at)
      values (${check}, 'default', 'cpu-busy', 'cpu', '{"cpu":{"above":90,"for":"1m30s"}}', '{}', now(), now())`.execute(
      db,
    );
    const rows: OldRow[] = [
      // the old bug: a first CRITICAL under the window made the state UNKNOWN from that very result
      ['first-problem', 'UNKNOWN', 0, 0, 0, 'CRITICAL'],
      // OK while a CRITICAL run from 0 fills the window
      ['ok-filling', 'OK', -60, 0, 0, 'CRITICAL'],
      // a real UNKNOWN before the run began: it stays UNKNOWN, the problem is pending beside it
      ['unknown-before', 'UNKNOWN', -60, 0, 0, 'CRITICAL'],
      // WARNING counted, CRITICAL from 30 waiting
      ['escalating', 'WARNING', -60, -150, 30, 'CRITICAL'],
      // a missing agent forgot its runs: nothing waits
      ['missing', 'UNKNOWN', 10, null, null, 'CRITICAL'],
      // a CRITICAL that counted: nothing waits
      ['counted', 'CRITICAL', 0, -90, -90, 'CRITICAL'],
    ];
    for (const [name, status, since, warnSince, critSince, lastRaw] of rows) {
      const agent = crypto.randomUUID();
      const time = (s: number | null) => (s === null ? null : at(s));
      await sql`insert into "agent" (id, name, labels, token_hash, created_at) values (${agent}, ${name}, '{}', ${name}, now())`.execute(
        db,
      );
      await sql`insert into "check_state" (check_id, agent_id, status, since, last_observed_at, warn_since, crit_since,
        last_raw, updated_at) values (${check}, ${agent}, ${status}, ${at(since)}, ${at(40)}, ${time(warnSince)},
        ${time(critSince)}, ${lastRaw}, now())`.execute(db);
    }

    expect(await migrate(t.db.orm)).toContain('Migration20261201000000_pending');

    const { rows: after } = await sql<{ name: string; status: string; pending: string | null }>`
      select a.name, s.status, case when s.pending_status is null then null else
        s.pending_status || ' ' || to_char(s.pending_since at time zone 'UTC', 'HH24:MI:SS') || '..' ||
        to_char(s.pending_counts_at at time zone 'UTC', 'HH24:MI:SS') end as pending
      from "check_state" s join "agent" a on a.id = s.agent_id order by a.name`.execute(db);
    expect(after).toEqual([
      { name: 'counted', status: 'CRITICAL', pending: null },
      { name: 'escalating', status: 'WARNING', pending: 'CRITICAL 12:00:30..12:02:00' },
      { name: 'first-problem', status: 'PENDING', pending: 'CRITICAL 12:00:00..12:01:30' },
      { name: 'missing', status: 'UNKNOWN', pending: null },
      { name: 'ok-filling', status: 'OK', pending: 'CRITICAL 12:00:00..12:01:30' },
      { name: 'unknown-before', status: 'UNKNOWN', pending: 'CRITICAL 12:00:00..12:01:30' },
    ]);
  });
});
