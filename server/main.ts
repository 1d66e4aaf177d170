// `vilicus server`: listen, wait for the database and migrate, sweep; stop cleanly.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { loadOrCreateAdminToken, redactedToken } from './admin-token.ts';
import { createAuthenticator } from './api/auth.ts';
import type { AppDeps } from './api/deps.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, type ServerConfig } from './config.ts';
import { AgentsRepository } from './db/agents.repository.ts';
import { CheckCatalog } from './db/check-catalog.ts';
import { DatabaseWait, databaseTarget } from './database-wait.ts';
import { openDatabase, pendingMigrations, type Database } from './db/orm.ts';
import { IngestService } from './ingest/ingest-service.ts';
import { createLogger, type Logger } from './log.ts';
import { databaseSources } from './metrics/db-sources.ts';
import { createMetrics, type Metrics } from './metrics/registry.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import type { EventRecorder } from './k8s/events.ts';
import { kubernetesWanted } from './k8s/wanted.ts';
import { startSingletons, type SingletonContext } from './singletons.ts';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  url: string;
  adminToken: string;
  stop(): Promise<void>;
}

export async function startServer(
  config: ServerConfig,
  log: Logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const wait = new DatabaseWait({
    target: databaseTarget(config.databaseUrl, config.dataDir),
    waitMs: config.dbWaitMs,
    log: log.child({ component: 'database' }),
  });
  let app: FastifyInstance | undefined;
  try {
    const admin = loadOrCreateAdminToken(config.adminToken, config.dataDir);
    // Logs are shipped to other places: they get a redacted form; the token itself is in its 0600 file.
    if (admin.generated) {
      log.warn({ path: admin.path, token: redactedToken(admin.token) }, `admin token generated into ${admin.path}`);
    }
    // Loaded only in Kubernetes mode: the client is most of a server's memory otherwise.
    const k8s = kubernetesWanted(config) ? await import('./k8s/mode.ts') : null;
    const kc = k8s?.loadKubeConfig(config) ?? null;
    const deps = buildDeps(db, config, admin.token, log, () => wait.waiting());
    // Every replica serves agents: in a cluster they prove who they are with a ServiceAccount token.
    if (k8s && kc) {
      deps.auth = k8s.createKubeAuthenticator(kc, db.orm, config, deps.auth, log.child({ component: 'agent-auth' }));
    }
    app = await buildApp(deps, log.child({ component: 'http' }));
    // Listen first: /healthz answers while the database is still coming up (a fresh install).
    await app.listen({ port: config.port, host: config.host });
    const url = listenUrl(app, config.host);
    const applied = await wait.until(() => db.migrate());
    log.info({ database: db.mode, migrations: applied.length }, 'database ready');
    const links = linkBase(config, portOf(app), log);
    const cluster = k8s && kc ? { k8s, kc } : null;
    const singletons = await startWork(db, config, deps, cluster, { publicUrl: links, outage: wait.outage }, log);
    log.info({ url, database: db.mode, kubernetes: kc !== null }, `vilicus server listening on ${url}`);
    const running = app;
    return {
      app: running,
      db,
      url,
      adminToken: admin.token,
      async stop() {
        await singletons.stop();
        await singletons.events?.flush();
        await running.close(); // waits for requests in flight, including their commits
        await db.close();
      },
    };
  } catch (error) {
    await app?.close();
    await db.close();
    throw error;
  }
}

/** The singleton work (on the Lease holder in a cluster) and the Kubernetes Event recorder. */
async function startWork(
  db: Database,
  config: ServerConfig,
  deps: AppDeps,
  cluster: Cluster | null,
  start: { publicUrl: string; outage: SingletonContext['outage'] | null },
  log: Logger,
): Promise<{ stop: () => Promise<void>; events: EventRecorder | null }> {
  const onNotification = deps.metrics.alerts.notificationSent; // counted in vilicus_notifications_total
  const kc = cluster?.kc ?? null;
  const events = cluster
    ? cluster.k8s.createEventRecorder(cluster.kc, 'vilicus', log.child({ component: 'events' }))
    : null;
  const context = {
    ...{ orm: db.orm, config, catalog: deps.catalog, publicUrl: start.publicUrl, log, kc, onNotification },
    ...(events ? { events } : {}),
    ...(start.outage ? { outage: start.outage } : {}),
    ...(cluster
      ? {
          startNodeSync: () =>
            cluster.k8s.startNodeSync(cluster.kc, db.orm, log.child({ component: 'nodes' }), {
              onAgentsChanged: () => deps.auth.forget(),
            }),
        }
      : {}),
  };
  const stop = cluster
    ? leaderOnly(cluster, config, () => startSingletons(context), log, deps.metrics)
    : await startSingletons(context);
  return { stop, events };
}

/** Kubernetes mode: its modules (loaded on demand) and the cluster they talk to. */
interface Cluster {
  k8s: typeof import('./k8s/mode.ts');
  kc: KubeConfig;
}

/** Runs the singleton work while this replica holds the Lease; returns the function that stops it all. */
function leaderOnly(
  { k8s, kc }: Cluster,
  config: ServerConfig,
  start: () => Promise<() => Promise<void>>,
  log: Logger,
  metrics: Metrics,
): () => Promise<void> {
  let stopWork: (() => Promise<void>) | null = null;
  const election = k8s.startLeaderElection(
    kc,
    {
      name: config.leaseName,
      namespace: config.podNamespace,
      identity: config.podName,
      onStartedLeading: async () => {
        stopWork = await start();
      },
      onStoppedLeading: async () => {
        await stopWork?.();
        stopWork = null;
      },
    },
    log.child({ component: 'leader' }),
  );
  metrics.leaderFrom(() => election.isLeader()); // vilicus_leader: 1 on the Lease holder only
  return () => election.stop();
}

export function buildDeps(
  db: Database,
  config: Pick<ServerConfig, 'bodyLimit' | 'missingAfter'> &
    Partial<Pick<ServerConfig, 'dashboardPublic' | 'requestTimeoutMs' | 'webhooks' | 'retentionMs'>>,
  adminToken: string,
  log?: Logger,
  databaseWait: () => string | null = () => null,
): AppDeps {
  const catalog = new CheckCatalog(db.orm);
  const metrics = createMetrics(databaseSources(db.orm), log?.child({ component: 'metrics' }));
  return {
    orm: db.orm,
    catalog,
    ingest: new IngestService(db.orm, catalog, {
      observer: metrics.ingest,
      concurrentCommits: db.mode === 'embedded' ? 1 : 2,
      ...(config.retentionMs === undefined ? {} : { retentionMs: config.retentionMs }),
    }),
    auth: createAuthenticator(adminToken, (hash) => new AgentsRepository(db.orm.em.fork()).byTokenHash(hash)),
    bodyLimit: config.bodyLimit,
    requestTimeoutMs: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    missingAfter: config.missingAfter,
    idleIntervalSeconds: 30,
    now: () => new Date(),
    ready: async () => (await pendingMigrations(db.orm)) === 0,
    databaseWait,
    metrics,
    dashboardPublic: config.dashboardPublic ?? false,
    webhookNames: Object.keys(config.webhooks ?? {}),
  };
}

function listenUrl(app: FastifyInstance, host: string): string {
  return hostUrl(isWildcard(host) ? '127.0.0.1' : host, portOf(app));
}

const hostUrl = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * Where mail links point: VILICUS_PUBLIC_URL, else the listen address. Bound to
 * every interface, 127.0.0.1 would send readers to their own machine, so the
 * hostname is the better guess (and a warning says so, once, at start).
 */
export function linkBase(config: Pick<ServerConfig, 'publicUrl' | 'host'>, port: number, log: Logger): string {
  if (config.publicUrl) return config.publicUrl;
  if (!isWildcard(config.host)) return hostUrl(config.host, port);
  const guess = hostUrl(hostname(), port);
  log.warn({ publicUrl: guess }, `VILICUS_PUBLIC_URL is not set: links in mails use ${guess}`);
  return guess;
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';

function portOf(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}
