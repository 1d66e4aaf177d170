// What every agent runs, kept in memory and refreshed when the config
// revision moves (checked at most once a second), so the agents' per-cycle
// config poll and the ingest validation cost no query in the common case.
import { createHash } from 'node:crypto';
import { sql } from './sql.ts';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { AgentCheck, CheckSpec } from '../../contract/index.ts';
import { chooseAgent, matchesSelector, type AgentPresence } from '../domain/agents.ts';
import { normalizeSpec, probeWithDefaults, type NormalizedCheck } from '../../contract/check-rules.ts';

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
  /** `agents: any` checks → the one agent that runs each (null: none may). */
  chosen: Map<string, string | null>;
}

/** Whether an agent runs a check: its selector matches, and for `agents: any` the server chose this agent. */
export function runsCheck(
  catalog: Catalog,
  check: CatalogCheck,
  agentId: string,
  labels: Record<string, string>,
): boolean {
  if (check.rules.agents === 'any') return catalog.chosen.get(check.id) === agentId;
  return matchesSelector(labels, check.rules.matchLabels);
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
      const checks = catalog.checks.filter((c) => runsCheck(catalog, c, agentId, labels));
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
    // Missing flags and first check-ins move the revision too (agents.repository, sweeps.repository).
    const agents = await sql<AgentPresence>`
      select id, labels, missing, last_seen_at is not null as seen from "agent"`.execute(db);
    const chosen = new Map(
      list
        .filter((c) => c.rules.agents === 'any')
        .map((c) => [c.id, chooseAgent(c.id, c.rules.matchLabels, agents.rows)]),
    );
    this.cached = { revision, checks: list, byId: new Map(list.map((c) => [c.id, c])), chosen };
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
