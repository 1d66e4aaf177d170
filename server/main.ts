// `vilicus server`: open the database, migrate, serve, sweep; stop cleanly.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { loadOrCreateAdminToken, redactedToken } from './admin-token.ts';
import { createAuthenticator } from './api/auth.ts';
import type { AppDeps } from './api/deps.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, type ServerConfig } from './config.ts';
import { AgentsRepository } from './db/agents.repository.ts';
import { CheckCatalog } from './db/check-catalog.ts';
import { openDatabase, pendingMigrations, type Database } from './db/orm.ts';
import { IngestService } from './ingest/ingest-service.ts';
import { createLogger, type Logger } from './log.ts';
import { databaseSources } from './metrics/db-sources.ts';
import { createMetrics, type Metrics } from './metrics/registry.ts';
import { loadKubeConfig } from './k8s/client.ts';
import { createEventRecorder } from './k8s/events.ts';
import { startLeaderElection } from './k8s/leader.ts';
import { startNodeSync } from './k8s/nodes.ts';
import { createKubeAuthenticator } from './k8s/token-review.ts';
import { startSingletons } from './singletons.ts';

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
  try {
    const applied = await db.migrate();
    log.info({ database: db.mode, migrations: applied.length }, 'database ready');
    const admin = loadOrCreateAdminToken(config.adminToken, config.dataDir);
    // Logs are shipped to other places: they get a redacted form; the token itself is in its 0600 file.
    if (admin.generated) {
      log.warn({ path: admin.path, token: redactedToken(admin.token) }, `admin token generated into ${admin.path}`);
    }
    const kc = loadKubeConfig(config);
    const deps = buildDeps(db, config, admin.token, log);
    // Every replica serves agents: in a cluster they prove who they are with a ServiceAccount token.
    if (kc) deps.auth = createKubeAuthenticator(kc, db.orm, config, deps.auth, log.child({ component: 'agent-auth' }));
    const app = await buildApp(deps, log.child({ component: 'http' }));
    await app.listen({ port: config.port, host: config.host });
    const url = publicUrl(app, config.host);
    const publicLink = config.publicUrl ?? url;
    const onNotification = deps.metrics.alerts.notificationSent; // counted in vilicus_notifications_total
    const events = kc ? createEventRecorder(kc, 'vilicus', log.child({ component: 'events' })) : null;
    const context = {
      ...{ orm: db.orm, config, catalog: deps.catalog, publicUrl: publicLink, log, kc, onNotification },
      ...(events ? { events } : {}),
      ...(kc
        ? {
            startNodeSync: () =>
              startNodeSync(kc, db.orm, log.child({ component: 'nodes' }), {
                onAgentsChanged: () => deps.auth.forget(),
              }),
          }
        : {}),
    };
    const singletons = kc
      ? leaderOnly(kc, config, () => startSingletons(context), log, deps.metrics)
      : await startSingletons(context);
    log.info({ url, database: db.mode, kubernetes: kc !== null }, `vilicus server listening on ${url}`);
    return {
      app,
      db,
      url,
      adminToken: admin.token,
      async stop() {
        await singletons();
        await events?.flush();
        await app.close(); // waits for requests in flight, including their commits
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Runs the singleton work while this replica holds the Lease; returns the function that stops it all. */
function leaderOnly(
  kc: NonNullable<ReturnType<typeof loadKubeConfig>>,
  config: ServerConfig,
  start: () => Promise<() => Promise<void>>,
  log: Logger,
  metrics: Metrics,
): () => Promise<void> {
  let stopWork: (() => Promise<void>) | null = null;
  const election = startLeaderElection(
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
    Partial<Pick<ServerConfig, 'dashboardPublic' | 'requestTimeoutMs'>>,
  adminToken: string,
  log?: Logger,
): AppDeps {
  const catalog = new CheckCatalog(db.orm);
  const metrics = createMetrics(databaseSources(db.orm), log?.child({ component: 'metrics' }));
  return {
    orm: db.orm,
    catalog,
    ingest: new IngestService(db.orm, catalog, {
      observer: metrics.ingest,
      concurrentCommits: db.mode === 'embedded' ? 1 : 2,
    }),
    auth: createAuthenticator(adminToken, (hash) => new AgentsRepository(db.orm.em.fork()).byTokenHash(hash)),
    bodyLimit: config.bodyLimit,
    requestTimeoutMs: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    missingAfter: config.missingAfter,
    idleIntervalSeconds: 30,
    now: () => new Date(),
    ready: async () => (await pendingMigrations(db.orm)) === 0,
    metrics,
    dashboardPublic: config.dashboardPublic ?? false,
  };
}

function publicUrl(app: FastifyInstance, host: string): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
