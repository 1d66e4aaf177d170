// What every agent runs, kept in memory and refreshed when the config
// revision moves (checked at most once a second), so the agents' per-cycle
// config poll and the ingest validation cost no query in the common case.
import { createHash } from 'node:crypto';
import { sql } from './sql.ts';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { AgentCheck, CheckSpec } from '../api/contract/index.ts';
import { matchesSelector } from '../domain/agents.ts';
import { normalizeSpec, probeWithDefaults, type NormalizedCheck } from '../api/contract/check-rules.ts';

export interface CatalogCheck {
  id: string;
  namespace: string;
  name: string;
  spec: CheckSpec;
  rules: NormalizedCheck;
  wire: AgentCheck;
}

export interface Catalog {
  revision: number;
  checks: CatalogCheck[];
  byId: Map<string, CatalogCheck>;
}

export interface AgentAssignment {
  checks: CatalogCheck[];
  etag: string;
}

export class CheckCatalog {
  private readonly orm: MikroORM;
  private readonly ttlMs: number;
  private cached: Catalog | null = null;
  private checkedAt = 0;
  private inFlight: Promise<Catalog> | null = null;
  private assignments = new Map<string, AgentAssignment>();

  constructor(orm: MikroORM, ttlMs = 1000) {
    this.orm = orm;
    this.ttlMs = ttlMs;
  }

  /** Forget the cache, e.g. right after this process changed a check. */
  invalidate(): void {
    this.checkedAt = 0;
  }

  async current(now = Date.now()): Promise<Catalog> {
    if (this.cached && now - this.checkedAt < this.ttlMs) return this.cached;
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /** The checks an agent with these labels runs, and an ETag for exactly that list. */
  async assignment(agentId: string, labels: Record<string, string>): Promise<AgentAssignment> {
    const catalog = await this.current();
    const key = `${catalog.revision}:${agentId}:${JSON.stringify(labels)}`;
    let found = this.assignments.get(key);
    if (!found) {
      const checks = catalog.checks.filter((c) => matchesSelector(labels, c.rules.matchLabels));
      const etag = `"${createHash('sha1')
        .update(JSON.stringify(checks.map((c) => c.wire)))
        .digest('base64url')}"`;
      found = { checks, etag };
      if (this.assignments.size > 10_000) this.assignments.clear();
      this.assignments.set(key, found);
    }
    return found;
  }

  private async refresh(): Promise<Catalog> {
    const db = this.orm.em.fork().getKysely();
    const { rows } = await sql<{ revision: string }>`select revision from "config_revision" where id = 1`.execute(db);
    const revision = Number(rows[0]?.revision ?? 0);
    this.checkedAt = Date.now();
    if (this.cached?.revision === revision) return this.cached;
    const checks = await sql<{ id: string; namespace: string; name: string; spec: CheckSpec }>`
      select id, namespace, name, spec from "check" order by namespace, name`.execute(db);
    const list = checks.rows.map(toCatalogCheck);
    this.cached = { revision, checks: list, byId: new Map(list.map((c) => [c.id, c])) };
    this.assignments.clear();
    return this.cached;
  }
}

function toCatalogCheck(row: { id: string; namespace: string; name: string; spec: CheckSpec }): CatalogCheck {
  const rules = normalizeSpec(row.spec);
  const base = { id: row.id, name: row.name, namespace: row.namespace, intervalSeconds: rules.intervalSeconds };
  const wire = { ...base, kind: rules.kind, [rules.kind]: probeWithDefaults(row.spec, rules.kind) } as AgentCheck;
  return { ...row, rules, wire };
}
