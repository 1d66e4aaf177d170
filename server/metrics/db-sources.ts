// Binds the metrics to the database: the scrape-time reads and the pool counters.
import type { MikroORM } from '@mikro-orm/postgresql';
import { allAgents, outboxDepth, scrapeStates } from '../db/dashboard.repository.ts';
import { VERSION } from '../../contract/version.ts';
import type { MetricsSources, PoolStats } from './registry.ts';

/** The counters `pg`'s Pool keeps (the package ships no types; these are its documented getters). */
interface PgPoolCounters {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max?: number };
}

export function databaseSources(orm: MikroORM, isLeader: () => boolean = () => true): MetricsSources {
  // Kept once found, so later scrapes read the counters synchronously, before
  // the scrape's own state query takes a connection and shows up as "waiting".
  let pgPool: PgPoolCounters | undefined;
  return {
    version: VERSION,
    isLeader,
    states: () => scrapeStates(orm.em.fork()),
    agents: () => allAgents(orm.em.fork()),
    outboxDepth: () => outboxDepth(orm.em.fork()),
    pool: async (): Promise<PoolStats> => {
      // MikroORM's PostgreSQL driver runs on a pg Pool, for PGlite (over its socket) and PostgreSQL alike.
      pgPool ??= (await orm.em.getConnection().getNativeClient()) as unknown as PgPoolCounters;
      const pool = pgPool;
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 };
    },
  };
}
