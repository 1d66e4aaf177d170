import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier } from 'pg';
import { startContainerPostgres } from './container-postgres.ts';
import { startLocalPostgres } from './local-postgres.ts';
import { acquire } from './tools.ts';

/** A running server: `url` connects as a superuser (or at least a CREATEDB role). */
export interface StartedPostgres {
  url: string;
  stop(): Promise<void>;
}

export interface PostgresServer extends StartedPostgres {
  how: 'env' | 'testcontainers' | 'local';
}

/**
 * Finds a real PostgreSQL for integration tests: TEST_DATABASE_URL, else a
 * container, else a throwaway cluster from the local binaries. Throws one
 * error listing why each way failed.
 */
export async function startPostgres(): Promise<PostgresServer> {
  // The one env read of the test helpers: CI or a developer points at a server they run.
  const fromEnv = process.env['TEST_DATABASE_URL'];
  if (fromEnv) return { how: 'env', url: fromEnv, stop: async () => {} };
  const failures: string[] = ['TEST_DATABASE_URL: not set'];
  const ways = [
    ['testcontainers', startContainerPostgres],
    ['local', startLocalPostgres],
  ] as const;
  for (const [how, start] of ways) {
    try {
      return { how, ...(await start()) };
    } catch (err) {
      failures.push(`${how}: ${(err as Error).message}`);
    }
  }
  throw new Error(`could not start PostgreSQL for tests:\n  - ${failures.join('\n  - ')}`);
}

// dropDatabase must connect to a database other than the one it drops; the
// one createDatabase came from is known to accept us.
const adminUrlOf = new Map<string, string>();
// What dropDatabase ends: the test-run record that PostgreSQL is in use (tools.ts).
const releaseOf = new Map<string, () => void>();

/** Creates an empty database with a unique name derived from `prefix`; returns its URL. */
export async function createDatabase(adminUrl: string, prefix: string): Promise<string> {
  const slug = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  // PostgreSQL identifiers stop at 63 bytes; slug + 12 hex chars stays well below.
  const name = `${slug}_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${escapeIdentifier(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  adminUrlOf.set(url.href, adminUrl);
  releaseOf.set(url.href, acquire('PostgreSQL'));
  return url.href;
}

/** Drops a database made by createDatabase, disconnecting any session still using it. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const fallback = new URL(databaseUrl);
  fallback.pathname = '/postgres';
  const adminUrl = adminUrlOf.get(url.href) ?? fallback.href;
  // WITH (FORCE) (PostgreSQL 13+): a leaked pool in a test must not make teardown fail.
  await withClient(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`),
  );
  adminUrlOf.delete(url.href);
  releaseOf.get(url.href)?.();
  releaseOf.delete(url.href);
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
