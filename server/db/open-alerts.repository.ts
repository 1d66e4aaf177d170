// What is open right now, for the Alertmanager re-post: every problem state
// of an agent that is not missing, every missing agent, and the alerts a
// channel ended lately (posted again so a restarted Alertmanager still learns
// they are over).
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from './sql.ts';

export interface OpenProblem {
  check: string | null;
  namespace: string | null;
  checkKind: string | null;
  checkLabels: Record<string, string>;
  agent: string;
  agentLabels: Record<string, string>;
  status: string;
  since: Date;
  value: number | null;
  message: string | null;
  /** True for a missing agent (no check). */
  missingAgent: boolean;
}

export async function openProblems(em: EntityManager): Promise<OpenProblem[]> {
  const { rows } = await sql<OpenProblem & { since: string }>`
    select c.name as check, c.namespace, c.kind as "checkKind", c.labels as "checkLabels", a.name as agent,
      a.labels as "agentLabels", s.status, s.since, s.value, s.message, false as "missingAgent"
    from "check_state" s join "check" c on c.id = s.check_id join "agent" a on a.id = s.agent_id
    where s.status in ('WARNING', 'CRITICAL', 'UNKNOWN') and not a.missing
    union all
    select null, null, null, '{}'::jsonb, a.name, a.labels, 'CRITICAL', coalesce(a.deadline_at, a.created_at),
      null, 'agent is missing', true
    from "agent" a where a.missing`.execute(em.getKysely());
  return rows.map((r) => ({ ...r, since: new Date(r.since) }));
}

/** The ids of this channel's endings (recoveries, agents back) born and delivered since `since` (the created index finds them). */
export async function recentEndings(em: EntityManager, channel: string, since: Date): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    select id from "notification"
    where created_at >= ${since} and channel = ${channel} and state = 'sent'
      and (status = 'OK' or kind = 'agent-back')
    order by id limit 1000`.execute(em.getKysely());
  return rows.map((r) => r.id);
}
