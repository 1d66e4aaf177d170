// What the routes are given: built once in server/main.ts (or by a test).
import type { MikroORM } from '@mikro-orm/postgresql';
import type { CheckCatalog } from '../db/check-catalog.ts';
import type { IngestService } from '../ingest/ingest-service.ts';
import type { Authenticator } from './auth.ts';
import type { Metrics } from '../metrics/registry.ts';
import { AgentsRepository } from '../db/agents.repository.ts';
import { ChecksRepository } from '../db/checks.repository.ts';

export interface AppDeps {
  orm: MikroORM;
  catalog: CheckCatalog;
  ingest: IngestService;
  auth: Authenticator;
  bodyLimit: number;
  /** A request (headers and body) must arrive within this; 408 after. */
  requestTimeoutMs: number;
  /** An agent silent for this many of its intervals is missing. */
  missingAfter: number;
  /** Interval assumed for an agent that has no checks yet. */
  idleIntervalSeconds: number;
  now: () => Date;
  /** True when the database answers and every migration is applied. */
  ready: () => Promise<boolean>;
  /** The one metrics registry (GET /metrics) and the observers it hands out (server/metrics). */
  metrics: Metrics;
  /** Dashboard reads without the admin token (VILICUS_DASHBOARD_PUBLIC); writes always need it. */
  dashboardPublic: boolean;
}

/** A fresh identity map per use: repositories never share an EntityManager across requests. */
export function agentsRepo(deps: AppDeps): AgentsRepository {
  return new AgentsRepository(deps.orm.em.fork());
}

export function checksRepo(deps: AppDeps): ChecksRepository {
  return new ChecksRepository(deps.orm.em.fork());
}
