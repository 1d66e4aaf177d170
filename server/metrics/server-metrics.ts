// This process's own facts: build, leadership, the database pool.
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.ts';

export interface PoolStats {
  /** Connections open (idle and in use). */
  total: number;
  idle: number;
  /** Queries waiting for a free connection: the pool is the bottleneck when this stays above 0. */
  waiting: number;
  max: number;
}

export interface ServerSources {
  version: string;
  /** Whether this replica does the singleton work (see the leadership note in registry.ts). */
  isLeader(): boolean;
  /** The database pool's counters; null when there is no pool to read. */
  pool(): Promise<PoolStats | null>;
}

/** Returns the setter for leadership: who holds the Lease is known only after start. */
export function registerServerMetrics(
  registry: Registry,
  sources: ServerSources,
  log: Logger | undefined,
): (isLeader: () => boolean) => void {
  let isLeader = (): boolean => sources.isLeader();
  new Gauge({
    name: 'vilicus_build_info',
    help: 'Always 1; the version label says which vilicus this is',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: sources.version }, 1);
  new Gauge({
    name: 'vilicus_leader',
    help: 'Whether this replica does the singleton work (missing-agent sweep, retention, notifier): 1 or 0',
    registers: [registry],
    collect() {
      this.set(isLeader() ? 1 : 0);
    },
  });
  const pool = sharedPoolRead(sources, log);
  const poolGauge = (name: string, help: string, pick: (s: PoolStats) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const stats = await pool();
        this.set(stats ? pick(stats) : Number.NaN);
      },
    });
  };
  poolGauge('vilicus_db_pool_connections', 'Database connections open (idle and in use)', (s) => s.total);
  poolGauge('vilicus_db_pool_idle_connections', 'Database connections open and idle', (s) => s.idle);
  poolGauge('vilicus_db_pool_waiting_requests', 'Queries waiting for a free database connection', (s) => s.waiting);
  poolGauge('vilicus_db_pool_max_connections', 'Largest number of database connections the pool opens', (s) => s.max);
  return (read) => {
    isLeader = read;
  };
}

function sharedPoolRead(sources: ServerSources, log: Logger | undefined): () => Promise<PoolStats | null> {
  return () =>
    sources.pool().catch((error: unknown) => {
      log?.warn({ err: error }, 'metrics: could not read the database pool');
      return null;
    });
}
