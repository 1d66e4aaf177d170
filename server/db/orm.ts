// One place that opens the database: embedded PGlite or a real PostgreSQL,
// the same driver, entities and migrations for both.
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities.ts';
import { migrations } from './migrations/index.ts';
import { startEmbedded, type EmbeddedDatabase } from './embedded.ts';

export interface Database {
  orm: MikroORM;
  /** `embedded` (PGlite in the data dir) or `postgres` (DATABASE_URL). */
  mode: 'embedded' | 'postgres';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
}

/** Where to connect: a URL, or the embedded server's socket. */
export type Connection = { clientUrl: string } | { host: string; port: number };

export function ormOptions(connection: Connection, embedded: boolean): Options {
  const target = 'clientUrl' in connection ? connection : { ...connection, user: 'postgres', dbName: 'postgres' };
  return {
    ...target,
    entities,
    extensions: [Migrator],
    // PGlite is one session behind a multiplexer: one pooled connection keeps
    // every transaction on it whole. A real server gets a real pool.
    pool: embedded ? { min: 1, max: 1 } : { min: 0, max: 10 },
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
  if (!options.databaseUrl) embedded = await startEmbedded(options.dataDir);
  const connection = embedded ?? { clientUrl: options.databaseUrl! };
  try {
    const orm = await MikroORM.init(ormOptions(connection, embedded !== undefined));
    return {
      orm,
      mode: embedded ? 'embedded' : 'postgres',
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

/** Apply pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

export async function pendingMigrations(orm: MikroORM): Promise<number> {
  return (await orm.migrator.getPending()).length;
}
