// isoText: PostgreSQL writes a timestamptz as the API's text, exactly what the
// server wrote before from the driver's string (new Date(text).toISOString()),
// whatever the session's time zone and down to the microsecond.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dbKinds, openTestDatabase, type DbKind, type TestDatabase } from '../../helpers/app.ts';
import { isoText, sql } from '../../../server/db/sql.ts';

const postgresUrl = inject('postgresUrl');

const TIMES = [
  '2026-12-02 18:09:04+00',
  '2026-12-02 18:09:04.1+00',
  '2026-12-02 18:09:04.123456+00',
  '2026-12-02 18:09:04.999999+00',
  '2026-12-31 23:59:59.9995+00',
  '2026-03-29 01:30:00.0005+02',
  '1970-01-01 00:00:00+00',
  '2000-02-29 12:00:00.000001-11:30',
  '9999-12-31 23:59:59.999+00',
];

describe.each(dbKinds(postgresUrl))('isoText on %s', (kind: DbKind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind, postgresUrl);
  });
  afterAll(async () => t?.close());

  it.each(['UTC', 'America/St_Johns', 'Asia/Kathmandu'])(
    'matches toISOString of the driver text (TimeZone %s)',
    async (zone) => {
      const rows = await t.db.orm.em.fork().transactional(async (em) => {
        const db = em.getKysely();
        await sql`select set_config('TimeZone', ${zone}, true)`.execute(db);
        const { rows } = await sql<{ text: string; iso: string | null }>`
        select t::text as text, ${isoText('t')} as iso
        from unnest(${TIMES}::timestamptz[]) as u(t)`.execute(db);
        return rows;
      });
      expect(rows).toHaveLength(TIMES.length);
      for (const row of rows) expect(row.iso, row.text).toBe(new Date(row.text).toISOString());
    },
  );

  it('is null for a null time', async () => {
    const { rows } = await sql<{ iso: string | null }>`select ${isoText('null::timestamptz')} as iso`.execute(
      t.db.orm.em.fork().getKysely(),
    );
    expect(rows[0]!.iso).toBeNull();
  });
});
