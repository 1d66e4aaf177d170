// The embedded database as the server opens it: a new folder is made by a
// child process (initdb's memory is never given back, so it must not happen in
// the server), PostgreSQL runs with the small memory settings of ADR 0005, and
// `vilicus server` on the embedded default runs with the server's V8 flags.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded, type EmbeddedDatabase } from '../../../server/db/embedded.ts';
import { serverV8Flags } from '../../../server/v8-flags.ts';
import { killAll, startServerProcess } from '../../helpers/processes.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-embedded-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await killAll();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function settings(db: EmbeddedDatabase, names: string[]): Promise<Record<string, string>> {
  const client = new Client({ host: db.host, port: db.port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    const entries = names.map(async (name) => {
      const { rows } = await client.query<{ value: string }>('select current_setting($1) as value', [name]);
      return [name, rows[0]!.value] as const;
    });
    return Object.fromEntries(await Promise.all(entries));
  } finally {
    await client.end();
  }
}

describe('the embedded database', () => {
  it('creates a new data folder and opens it with small memory settings', async () => {
    const dir = tempDir();
    const db = await startEmbedded(dir);
    try {
      expect(statSync(join(dir, 'pgdata', 'PG_VERSION')).isFile()).toBe(true);
      expect(await settings(db, ['shared_buffers', 'work_mem', 'maintenance_work_mem'])).toEqual({
        shared_buffers: '16MB',
        work_mem: '2MB',
        maintenance_work_mem: '16MB',
      });
    } finally {
      await db.stop();
    }
  });

  it('opens an existing folder again with its data', async () => {
    const dir = tempDir();
    const first = await startEmbedded(dir);
    const client = new Client({ host: first.host, port: first.port, user: 'postgres', database: 'postgres' });
    await client.connect();
    await client.query('create table kept (v text)');
    await client.query('insert into kept values ($1)', ['still here']);
    await client.end();
    await first.stop();
    const again = await startEmbedded(dir);
    const reader = new Client({ host: again.host, port: again.port, user: 'postgres', database: 'postgres' });
    await reader.connect();
    try {
      expect((await reader.query('select v from kept')).rows).toEqual([{ v: 'still here' }]);
    } finally {
      await reader.end();
      await again.stop();
    }
  });
});

describe('vilicus server on the embedded default', () => {
  it('runs with the embedded V8 flags, in the process the caller started', async () => {
    const server = await startServerProcess({ dataDir: tempDir(), adminToken: 'admin-embedded-flags' });
    const argv = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0');
    expect(argv.slice(1, 1 + serverV8Flags(true).length)).toEqual(serverV8Flags(true));
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
