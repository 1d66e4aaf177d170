// One place that opens the database: embedded PGlite or a real PostgreSQL,
// the same driver, entities and migrations for both.
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import pg from 'pg';
import { entities } from './entities.ts';
import { migrations } from './migrations/index.ts';
import type { EmbeddedDatabase } from './embedded.ts';

export interface Database {
  orm: MikroORM;
  /** `embedded` (PGlite in the data dir) or `postgres` (DATABASE_URL). */
  mode: 'embedded' | 'postgres';
  /** PostgreSQL's URL (DATABASE_URL); undefined for the embedded database. */
  url: string | undefined;
  /** Applies pending migrations, one server at a time; returns the names applied. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
}

/** Where to connect: a URL, or the embedded server's socket. */
export type Connection = { clientUrl: string } | { host: string; port: number };

export const CONNECT_TIMEOUT_MS = 10_000;

export function ormOptions(connection: Connection, embedded: boolean): Options {
  const target = 'clientUrl' in connection ? connection : { ...connection, user: 'postgres', dbName: 'postgres' };
  return {
    ...target,
    entities,
    extensions: [Migrator],
    // PGlite is one session behind a multiplexer: one pooled connection keeps
    // every transaction on it whole. A real server gets a real pool.
    pool: embedded ? { min: 1, max: 1 } : { min: 0, max: 10 },
    // A connect that hangs (packets dropped, a server stuck starting) must fail and be retried,
    // not hold a sweep or the wait for the database for ever.
    driverOptions: { connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    migrations: {
      migrationsList: migrations,
      snapshot: false,
      snapshotOnMigrate: false,
      silent: true,
      tableName: 'vilicus_migrations',
    },
    allowGlobalContext: false,
    debug: false,
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  // PGlite is loaded only for the embedded database: on PostgreSQL its modules held ~5 MiB for nothing (ADR 9).
  if (!options.databaseUrl) embedded = await (await import('./embedded.ts')).startEmbedded(options.dataDir);
  const connection = embedded ?? { clientUrl: options.databaseUrl! };
  try {
    const orm = await MikroORM.init(ormOptions(connection, embedded !== undefined));
    const url = options.databaseUrl;
    return {
      orm,
      mode: embedded ? 'embedded' : 'postgres',
      url,
      migrate: () => (url ? underMigrationLock(url, () => migrate(orm)) : migrate(orm)),
      async close() {
        await orm.close(true);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

const MIGRATION_LOCK = 0x76696c00;

/**
 * Replicas starting together (a Deployment of 2) must not migrate at once:
 * a session advisory lock on a connection of its own serializes them; the
 * second finds nothing pending.
 */
async function underMigrationLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await work();
  } finally {
    await client.end(); // ends the session, which releases the lock
  }
}

/** Apply pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

export async function pendingMigrations(orm: MikroORM): Promise<number> {
  return (await orm.migrator.getPending()).length;
}
