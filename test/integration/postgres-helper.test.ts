import { Client } from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from '../helpers/postgres.ts';

const adminUrl = inject('postgresUrl');

async function query<R extends Record<string, unknown>>(url: string, text: string): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

describe.runIf(adminUrl)('postgres test helper', () => {
  it('serves a PostgreSQL server at the provided url', async () => {
    const [row] = await query<{ version: string }>(adminUrl!, 'select version()');
    expect(row?.version).toMatch(/^PostgreSQL \d+/);
  });

  it('creates an isolated database that dropDatabase removes', async () => {
    const url = await createDatabase(adminUrl!, 'Helper Test');
    const name = new URL(url).pathname.slice(1);
    expect(name).toMatch(/^helper_test_[0-9a-f]{12}$/);

    const [current] = await query<{ db: string }>(url, 'select current_database() as db');
    expect(current?.db).toBe(name);
    await query(url, 'create table isolated (id int)');
    const inAdmin = await query(adminUrl!, `select 1 from pg_tables where tablename = 'isolated'`);
    expect(inAdmin).toHaveLength(0);

    await dropDatabase(url);
    const left = await query(adminUrl!, `select 1 from pg_database where datname = '${name}'`);
    expect(left).toHaveLength(0);
  });
});
