// An in-process app on a real database (PGlite in a temp dir, or a fresh
// database on the run's PostgreSQL), for API tests with app.inject().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import type { AppDeps } from '../../server/api/deps.ts';
import { migrate, openDatabase, type Database } from '../../server/db/orm.ts';
import { buildDeps } from '../../server/main.ts';
import { createDatabase, dropDatabase } from './postgres.ts';
import { acquire } from './tools.ts';

export type DbKind = 'pglite' | 'postgres';

export interface TestDatabase {
  db: Database;
  close(): Promise<void>;
}

export async function openTestDatabase(kind: DbKind, postgresUrl: string | null): Promise<TestDatabase> {
  if (kind === 'postgres') {
    if (!postgresUrl) throw new Error('no PostgreSQL for this run');
    const url = await createDatabase(postgresUrl, 'vilicus');
    const db = await openDatabase({ databaseUrl: url, dataDir: '/nonexistent' });
    return { db, close: async () => (await db.close(), await dropDatabase(url)) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-pglite-'));
  const db = await openDatabase({ databaseUrl: undefined, dataDir: dir });
  const release = acquire('PGlite');
  return { db, close: async () => (release(), await db.close(), rmSync(dir, { recursive: true, force: true })) };
}

export interface TestApp {
  app: FastifyInstance;
  deps: AppDeps;
  db: Database;
  adminToken: string;
  admin: { authorization: string };
  close(): Promise<void>;
}

export async function startTestApp(kind: DbKind, postgresUrl: string | null, bodyLimit = 1_048_576): Promise<TestApp> {
  const testDb = await openTestDatabase(kind, postgresUrl);
  await migrate(testDb.db.orm);
  const adminToken = `admin-${crypto.randomUUID()}`;
  const deps = buildDeps(testDb.db, { bodyLimit, missingAfter: 3 }, adminToken);
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    db: testDb.db,
    adminToken,
    admin: { authorization: `Bearer ${adminToken}` },
    close: async () => (await app.close(), await testDb.close()),
  };
}

/** Registers an agent through the API; returns its id and token headers. */
export async function addAgent(t: TestApp, name: string, labels: Record<string, string> = {}) {
  const reply = await t.app.inject({
    method: 'POST',
    url: '/api/v1/agents',
    headers: t.admin,
    payload: { name, labels },
  });
  if (reply.statusCode !== 201) throw new Error(`add agent: ${reply.statusCode} ${reply.body}`);
  const body = reply.json<{ id: string; token: string }>();
  return { id: body.id, token: body.token, auth: { authorization: `Bearer ${body.token}` } };
}

export async function putCheck(t: TestApp, doc: { metadata: { name: string; namespace?: string }; spec: unknown }) {
  const reply = await t.app.inject({
    method: 'PUT',
    url: `/api/v1/checks/${doc.metadata.name}`,
    headers: t.admin,
    payload: doc,
  });
  if (reply.statusCode >= 400) throw new Error(`put check: ${reply.statusCode} ${reply.body}`);
  return reply.json<{ metadata: { uid: string } }>().metadata.uid;
}

/**
 * The databases a suite runs on: PGlite always, PostgreSQL when the run has
 * one (in CI the global setup fails without one, so it is never left out there).
 */
export function dbKinds(postgresUrl: string | null): DbKind[] {
  return postgresUrl ? ['pglite', 'postgres'] : ['pglite'];
}
