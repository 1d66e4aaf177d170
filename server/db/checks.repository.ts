// Checks: create-or-replace by (namespace, name), read with their states, delete.
import { isoText, sql, withDates } from './sql.ts';
import { pendingJson } from './state-row.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AgentCheckStatus, CheckDocument, CheckSpec, StateStatus, Status } from '../../contract/index.ts';
import { normalizeSpec } from '../../contract/check-rules.ts';
import { bumpRevision } from './agents.repository.ts';
import { pageHistory, type Position } from './history/read.ts';

export type CheckSource = 'api' | 'crd';

export interface CheckRow {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  spec: CheckSpec;
  labels: Record<string, string>;
  generation: number;
  source: CheckSource;
  createdAt: Date;
}

export interface StateRow extends AgentCheckStatus {
  checkId: string;
}

export type UpsertOutcome = { kind: 'created' | 'updated' | 'unchanged'; check: CheckRow } | { kind: 'conflict' };

export class ChecksRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  /** Create or replace; a check owned by another source (a CRD) is not touched. */
  async upsert(doc: CheckDocument, namespace: string, source: CheckSource, now: Date): Promise<UpsertOutcome> {
    return this.em.transactional(async (tx) => {
      const db = tx.getKysely();
      const existing = await this.find(namespace, doc.metadata.name, tx, true);
      if (existing && existing.source !== source) return { kind: 'conflict' as const };
      const labels = doc.metadata.labels ?? {};
      if (existing && sameJson(existing.spec, doc.spec) && sameJson(existing.labels, labels)) {
        return { kind: 'unchanged' as const, check: existing };
      }
      const kind = normalizeSpec(doc.spec).kind;
      const { rows } = await sql<{ id: string }>`
        insert into "check" (id, namespace, name, kind, spec, labels, generation, source, created_at, updated_at)
        values (${crypto.randomUUID()}, ${namespace}, ${doc.metadata.name}, ${kind}, ${JSON.stringify(doc.spec)}::jsonb,
                ${JSON.stringify(labels)}::jsonb, 1, ${source}, ${now}, ${now})
        on conflict (namespace, name) do update set kind = excluded.kind, spec = excluded.spec,
          labels = excluded.labels, generation = "check".generation + 1, updated_at = excluded.updated_at
        returning id`.execute(db);
      await bumpRevision(tx);
      const check = (await this.find(namespace, doc.metadata.name, tx))!;
      return { kind: existing ? ('updated' as const) : ('created' as const), check: { ...check, id: rows[0]!.id } };
    });
  }

  /**
   * A Check custom resource → its row, keyed by the resource's UID (which is
   * the check's id) with the resource's generation. A REST-made check of the
   * same namespace and name is not taken over.
   */
  async upsertResource(
    r: {
      uid: string;
      namespace: string;
      name: string;
      spec: CheckSpec;
      labels: Record<string, string>;
      generation: number;
    },
    now: Date,
  ): Promise<'created' | 'updated' | 'unchanged' | 'conflict'> {
    return this.em.transactional(async (tx) => {
      const db = tx.getKysely();
      const existing = await this.find(r.namespace, r.name, tx, true);
      if (existing && (existing.source !== 'crd' || existing.id !== r.uid)) {
        if (existing.source !== 'crd') return 'conflict';
        await sql`delete from "check" where id = ${existing.id}`.execute(db); // recreated under the same name
      }
      // The spec too, not only the generation: a resync must heal a row edited behind the reconciler's back.
      const same =
        existing?.id === r.uid &&
        existing.generation === r.generation &&
        sameJson(existing.labels, r.labels) &&
        sameJson(existing.spec, r.spec);
      if (same) return 'unchanged';
      await sql`
        insert into "check" (id, namespace, name, kind, spec, labels, generation, source, created_at, updated_at)
        values (${r.uid}, ${r.namespace}, ${r.name}, ${normalizeSpec(r.spec).kind}, ${JSON.stringify(r.spec)}::jsonb,
                ${JSON.stringify(r.labels)}::jsonb, ${r.generation}, 'crd', ${now}, ${now})
        on conflict (id) do update set kind = excluded.kind, spec = excluded.spec, labels = excluded.labels,
          generation = excluded.generation, updated_at = excluded.updated_at`.execute(db);
      await bumpRevision(tx);
      return existing?.id === r.uid ? 'updated' : 'created';
    });
  }

  /** Removes checks made from resources: one by UID, or every one not in `keep` (after a full list). */
  async removeResources(
    filter: { uid: string } | { keep: readonly string[]; namespaces: readonly string[] },
  ): Promise<number> {
    return this.em.transactional(async (tx) => {
      const db = tx.getKysely();
      const where =
        'uid' in filter
          ? sql`id = ${filter.uid}`
          : sql`not (id = any(${[...filter.keep]}::uuid[]))
              ${filter.namespaces.length ? sql`and namespace = any(${[...filter.namespaces]}::text[])` : sql``}`;
      const result = await sql`delete from "check" where source = 'crd' and ${where}`.execute(db);
      const deleted = Number(result.numAffectedRows ?? 0);
      if (deleted > 0) await bumpRevision(tx);
      return deleted;
    });
  }

  /** Checks made from resources, for the status writer. */
  async listResources(): Promise<CheckRow[]> {
    const { rows } = await sql<CheckRow>`
      select id, namespace, name, kind, spec, labels, generation, source, created_at as "createdAt"
      from "check" where source = 'crd' order by namespace, name`.execute(this.em.getKysely());
    return rows;
  }

  async find(namespace: string, name: string, em: EntityManager = this.em, lock = false): Promise<CheckRow | null> {
    const query = sql<CheckRow>`
      select id, namespace, name, kind, spec, labels, generation, source, created_at as "createdAt"
      from "check" where namespace = ${namespace} and name = ${name} ${lock ? sql`for update` : sql``}`;
    const { rows } = await query.execute(em.getKysely());
    return rows[0] ?? null;
  }

  async list(namespace: string | undefined): Promise<CheckRow[]> {
    const { rows } = await sql<CheckRow>`
      select id, namespace, name, kind, spec, labels, generation, source, created_at as "createdAt"
      from "check" ${namespace ? sql`where namespace = ${namespace}` : sql``}
      order by namespace, name`.execute(this.em.getKysely());
    return rows;
  }

  /** Deletes the check with its states and history (cascade); a CRD-owned check only by its source. */
  async remove(namespace: string, name: string, source: CheckSource): Promise<'deleted' | 'missing' | 'conflict'> {
    return this.em.transactional(async (tx) => {
      const existing = await this.find(namespace, name, tx, true);
      if (!existing) return 'missing';
      if (existing.source !== source) return 'conflict';
      await sql`delete from "check" where id = ${existing.id}`.execute(tx.getKysely());
      await bumpRevision(tx);
      return 'deleted';
    });
  }

  /** The current state of every (check, agent) pair for these checks, its times the API's text. */
  async states(checkIds: readonly string[]): Promise<StateRow[]> {
    if (checkIds.length === 0) return [];
    const { rows } = await sql<StateRow>`
      select s.check_id as "checkId", a.name as agent, s.status, ${isoText('s.since')} as since, s.message, s.value,
             ${isoText('s.last_observed_at')} as "lastResultAt", ${pendingJson}
      from "check_state" s join "agent" a on a.id = s.agent_id
      where s.check_id = any(${checkIds}::uuid[]) order by a.name`.execute(this.em.getKysely());
    return rows;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Key order must not make two equal specs differ (jsonb reorders keys). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

export interface ResultRow {
  agent: string;
  status: Status;
  value: number | null;
  message: string | null;
  observedAt: Date;
}

export interface ResultsQuery {
  /** An agent's name; undefined for every agent. */
  agent: string | undefined;
  from: Date;
  to: Date;
  limit: number;
  /** Where the previous page ended (its cursor). */
  after: Position | null;
}

/**
 * One page of a check's results, newest first (the history a person or the
 * dashboard reads), hot and compacted alike; null when the agent is unknown.
 * `next` is where the page ended, when there is more.
 */
export async function resultsPage(
  em: EntityManager,
  checkId: string,
  q: ResultsQuery,
): Promise<{ rows: ResultRow[]; next: Position | null } | null> {
  const db = em.getKysely();
  let agentId: string | null = null;
  if (q.agent !== undefined) {
    const { rows } = await sql<{ id: string }>`select id from "agent" where name = ${q.agent}`.execute(db);
    if (rows.length === 0) return null;
    agentId = rows[0]!.id;
  }
  const query = { checkIds: [checkId], agentId, from: q.from.getTime(), to: q.to.getTime() };
  const { rows, more } = await pageHistory(db, query, q.limit, q.after);
  const { rows: agents } = await sql<{ id: string; name: string }>`select id, name from "agent"
    where id = any(${[...new Set(rows.map((r) => r.agentId))]}::uuid[])`.execute(db);
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const last = rows.at(-1);
  return {
    rows: rows.map((r) => ({
      agent: names.get(r.agentId) ?? r.agentId,
      status: r.status,
      value: r.value,
      message: r.message,
      observedAt: new Date(r.t),
    })),
    next: more && last ? { t: last.t, agentId: last.agentId } : null,
  };
}

/**
 * `agents: any`: the states other agents left for these checks, dropped once
 * the chosen agent has reported, so such a check shows one state (the
 * current agent's), not also a stale one from the agent it was handed over from.
 */
export async function dropStatesOfOtherAgents(
  em: EntityManager,
  checkIds: readonly string[],
  agentId: string,
): Promise<DroppedState[]> {
  const { rows } = await sql<DroppedState>`
    delete from "check_state" where check_id = any(${checkIds}::uuid[]) and agent_id <> ${agentId}
    returning check_id as "checkId", agent_id as "agentId", status, since, notified_at as "notifiedAt"`.execute(
    em.getKysely(),
  );
  return rows.map((row) => withDates(row, ['since', 'notifiedAt'] as const));
}

export interface DroppedState {
  checkId: string;
  agentId: string;
  status: StateStatus;
  since: Date;
  notifiedAt: Date | null;
}
