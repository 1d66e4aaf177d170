// Agents: registration, token lookup, check-in and the missing-agent sweep.
import { sql } from './sql.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Agent } from './entities.ts';
import { insertNotifications } from './outbox.repository.ts';
import { hashToken, newToken } from './tokens.ts';

export interface AgentRow {
  id: string;
  name: string;
  labels: Record<string, string>;
  createdAt: Date;
  lastSeenAt: Date | null;
  /** When it is missing unless it checks in; null until its first results or check-in. */
  deadlineAt: Date | null;
  missing: boolean;
  version: string | null;
}

function toRow(agent: Agent): AgentRow {
  return {
    id: agent.id,
    name: agent.name,
    labels: agent.labels,
    createdAt: agent.createdAt,
    lastSeenAt: agent.lastSeenAt ?? null,
    deadlineAt: agent.deadlineAt ?? null,
    missing: agent.missing,
    version: agent.version ?? null,
  };
}

/** token_hash prefix of agents made for Kubernetes Nodes; a SHA-256 hex digest never starts with it. */
const NODE_AGENT_HASH = 'k8s-node:';

export class AgentsRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  /** Returns the new agent and its token; the token is not stored, only its hash. */
  async create(name: string, labels: Record<string, string>, now: Date): Promise<{ agent: AgentRow; token: string }> {
    const token = newToken('vat');
    const agent = this.em.create(Agent, {
      id: crypto.randomUUID(),
      name,
      labels,
      tokenHash: hashToken(token),
      createdAt: now,
      missing: false,
    });
    await this.em.transactional(async (tx) => {
      tx.persist(agent);
      await tx.flush();
      await bumpRevision(tx); // labels decide which checks an agent runs
    });
    return { agent: toRow(agent), token };
  }

  async byTokenHash(tokenHash: string): Promise<AgentRow | null> {
    const agent = await this.em.findOne(Agent, { tokenHash });
    return agent ? toRow(agent) : null;
  }

  async byName(name: string): Promise<AgentRow | null> {
    const agent = await this.em.findOne(Agent, { name });
    return agent ? toRow(agent) : null;
  }

  async list(): Promise<AgentRow[]> {
    return (await this.em.find(Agent, {}, { orderBy: { name: 'asc' } })).map(toRow);
  }

  async remove(name: string): Promise<boolean> {
    return this.em.transactional(async (tx) => {
      const deleted = await tx.nativeDelete(Agent, { name });
      if (deleted > 0) await bumpRevision(tx);
      return deleted > 0;
    });
  }

  /**
   * The agent of a Kubernetes Node, named after it, with the Node's labels:
   * created when missing, with a token hash no token has (it signs in by
   * TokenReview; the prefix also marks it as made for a Node). `changed`:
   * created or labels changed, which moves the config revision.
   */
  async ensureNamed(
    name: string,
    labels: Record<string, string>,
    now: Date,
  ): Promise<{ agent: AgentRow; changed: boolean }> {
    return this.em.transactional(async (tx) => {
      const { rows } = await sql`insert into "agent" (id, name, labels, token_hash, created_at, missing)
        values (${crypto.randomUUID()}, ${name}, ${JSON.stringify(labels)}::jsonb,
                ${NODE_AGENT_HASH + hashToken(newToken('node'))}, ${now}, false)
        on conflict (name) do update set labels = excluded.labels where "agent".labels is distinct from excluded.labels
        returning id`.execute(tx.getKysely());
      if (rows.length > 0) await bumpRevision(tx);
      return { agent: toRow(await tx.findOneOrFail(Agent, { name })), changed: rows.length > 0 };
    });
  }

  /** Removes the agents made for Nodes (ensureNamed) not in `keep`; registered agents stay. Returns their names. */
  async removeNodeAgentsExcept(keep: readonly string[]): Promise<string[]> {
    return this.em.transactional(async (tx) => {
      const { rows } = await sql<{ name: string }>`delete from "agent"
        where starts_with(token_hash, ${NODE_AGENT_HASH}) and not (name = any(${[...keep]}::text[]))
        returning name`.execute(tx.getKysely());
      if (rows.length > 0) await bumpRevision(tx);
      return rows.map((r) => r.name);
    });
  }

  /**
   * The agent's first results, before any check-in: it gets the deadline a
   * check-in would have given it, unless it has one (a check-in moves it).
   */
  async firstContact(id: string, deadline: Date): Promise<void> {
    await sql`update "agent" set deadline_at = ${deadline} where id = ${id} and deadline_at is null`.execute(
      this.em.getKysely(),
    );
  }

  /**
   * Check-in: the agent finished a run. Moves its missing deadline; an agent
   * that was missing records that it is back, in the same transaction.
   */
  async checkIn(id: string, at: Date, deadline: Date, facts: { version?: string; hostname?: string }): Promise<void> {
    await this.em.transactional(async (tx) => {
      const db = tx.getKysely();
      const { rows } = await sql<{ was_missing: boolean; first: boolean }>`
        update "agent" a set last_seen_at = ${at}, deadline_at = ${deadline}, missing = false,
          version = coalesce(${facts.version ?? null}, a.version), hostname = coalesce(${facts.hostname ?? null}, a.hostname)
        from (select id, missing, last_seen_at from "agent" where id = ${id} for update) old
        where a.id = old.id returning old.missing as was_missing, old.last_seen_at is null as first`.execute(db);
      // Which agent runs an `agents: any` check depends on who is missing and who has ever checked in.
      if (rows[0]?.was_missing || rows[0]?.first) await bumpRevision(tx);
      if (rows[0]?.was_missing) {
        const message = 'agent checked in again';
        await sql`insert into "transition" (check_id, agent_id, from_status, to_status, at, reason, message)
          values (null, ${id}, 'UNKNOWN', 'OK', ${at}, 'agent-back', ${message})`.execute(db);
        const mail = {
          kind: 'agent-back' as const,
          checkId: null,
          agentId: id,
          status: 'OK' as const,
          previous: 'UNKNOWN' as const,
        };
        await insertNotifications(db, [{ ...mail, at, value: null, message, outageMs: null, recipients: [] }], at);
      }
    });
  }
}

/** Agents run what the config says; any change to it moves the revision (and every agent's ETag). */
export async function bumpRevision(tx: EntityManager): Promise<void> {
  await sql`update "config_revision" set revision = revision + 1 where id = 1`.execute(tx.getKysely());
}
