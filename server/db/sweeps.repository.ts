// Periodic work on the whole database: agents that went silent (history past
// its retention goes by whole partitions: history-maintenance.ts). Each sweep
// takes a transaction-scoped advisory lock, so with several servers on one
// database only one does it at a time.
import { sql, type Db } from './sql.ts';
import { stateColumns, toCheckState, type StateColumns } from './state-row.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { markMissing, type Transition } from '../domain/evaluate.ts';
import { insertNotifications } from './outbox.repository.ts';
import { bumpRevision } from './agents.repository.ts';
import { deadlineAfterOutage } from '../domain/agents.ts';

const LOCK_MISSING = 0x76696c01; // "vil" + 1

async function tryLock(db: Db, key: number): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${key}) as ok`.execute(db);
  return rows[0]?.ok === true;
}

/**
 * The database was out of reach from `lastReached` to `recovered`: moves the
 * deadline of every agent not yet missing (deadlineAfterOutage). Once per
 * outage, in one statement. False when another server holds the sweep's lock.
 */
export async function extendDeadlines(
  em: EntityManager,
  lastReached: Date,
  recovered: Date,
  graceMs: number,
): Promise<boolean> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    if (!(await tryLock(db, LOCK_MISSING))) return false;
    const { rows } = await sql<{ id: string; deadline_at: Date }>`
      select id, deadline_at from "agent" where not missing and deadline_at is not null for update`.execute(db);
    if (rows.length === 0) return true;
    const ids = rows.map((r) => r.id);
    const deadlines = rows.map((r) => deadlineAfterOutage(new Date(r.deadline_at), lastReached, recovered, graceMs));
    await sql`update "agent" a set deadline_at = v.deadline
      from unnest(${ids}::uuid[], ${deadlines}::timestamptz[]) as v(id, deadline) where a.id = v.id`.execute(db);
    return true;
  });
}

/** Marks agents past their deadline missing; their states become UNKNOWN. Returns the agents' names. */
export async function sweepMissingAgents(em: EntityManager, now: Date): Promise<string[]> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    if (!(await tryLock(db, LOCK_MISSING))) return [];
    const { rows: agents } = await sql<{ id: string; name: string; deadline_at: string }>`
      update "agent" set missing = true where not missing and deadline_at < ${now}
      returning id, name, deadline_at`.execute(db);
    if (agents.length === 0) return [];
    await bumpRevision(tx); // `agents: any` checks move off a missing agent at their next config poll
    const ids = agents.map((a) => a.id);
    const { rows: states } = await sql<StateColumns & { checkId: string; agentId: string }>`
      select s.check_id as "checkId", s.agent_id as "agentId", ${stateColumns}
      from "check_state" s where s.agent_id = any(${ids}::uuid[]) order by s.check_id, s.agent_id for update`.execute(
      db,
    );
    const transitions: { checkId: string | null; agentId: string; t: Transition }[] = [];
    for (const agent of agents) {
      const message = `agent ${agent.name} missing: no check-in before its deadline ${new Date(agent.deadline_at).toISOString()}`;
      transitions.push({
        checkId: null,
        agentId: agent.id,
        t: { from: 'OK', previousSince: null, to: 'UNKNOWN', at: now, value: null, message, reason: 'agent-missing' },
      });
    }
    for (const row of states) {
      const { state, transition } = markMissing(toCheckState(row), now, 'agent missing');
      await sql`update "check_state" set status = ${state.status}, since = ${state.since}, message = ${state.message},
        warn_since = null, crit_since = null, pending_status = null, pending_since = null, pending_counts_at = null,
        updated_at = ${now}
        where check_id = ${row.checkId} and agent_id = ${row.agentId}`.execute(db);
      if (transition) transitions.push({ checkId: row.checkId, agentId: row.agentId, t: transition });
    }
    for (const { checkId, agentId, t } of transitions) {
      await sql`insert into "transition" (check_id, agent_id, from_status, to_status, at, value, message, reason)
        values (${checkId}, ${agentId}, ${t.from}, ${t.to}, ${t.at}, ${t.value}, ${t.message}, ${t.reason})`.execute(
        db,
      );
    }
    const mails = agents.map((agent) => ({
      kind: 'agent-missing' as const,
      checkId: null,
      agentId: agent.id,
      status: 'UNKNOWN' as const,
      previous: null,
      at: now,
      value: null,
      message: `no check-in since its deadline ${new Date(agent.deadline_at).toISOString()}`,
      outageMs: null,
      recipients: [],
    }));
    await insertNotifications(db, mails, now); // same transaction as the change
    return agents.map((a) => a.name);
  });
}
