// Alerts that time makes: reminders for problems still open past their repeat
// interval, and one mail for a problem still open when its silence ends.
import type { EntityManager } from '@mikro-orm/postgresql';
import { reminderDue, silenceMatches, type Silence } from '../domain/alerts.ts';
import { parseDuration } from '../../contract/duration.ts';
import type { CheckSpec, Status } from '../../contract/index.ts';
import { insertNotifications, type OutboxRow } from './outbox.repository.ts';
import { sql, withDates } from './sql.ts';

export interface OpenProblem {
  checkId: string;
  agentId: string;
  check: string;
  namespace: string;
  agent: string;
  labels: Record<string, string>;
  spec: CheckSpec;
  status: Status;
  since: Date;
  value: number | null;
  message: string | null;
  flapping: boolean;
  notifiedAt: Date | null;
}

const LOCK_ALERT_SWEEP = 0x76696c04;

async function openProblems(em: EntityManager): Promise<OpenProblem[]> {
  const { rows } = await sql<OpenProblem>`
    select s.check_id as "checkId", s.agent_id as "agentId", c.name as check, c.namespace, a.name as agent,
      c.labels || a.labels as labels, c.spec, s.status, s.since, s.value, s.message, s.flapping,
      s.notified_at as "notifiedAt"
    from "check_state" s join "check" c on c.id = s.check_id join "agent" a on a.id = s.agent_id
    where s.status in ('WARNING', 'CRITICAL')`.execute(em.getKysely());
  return rows.map((r) => withDates(r, ['since', 'notifiedAt']));
}

function rowFor(p: OpenProblem, kind: 'reminder' | 'silence-ended', now: Date): OutboxRow {
  return {
    kind,
    checkId: p.checkId,
    agentId: p.agentId,
    status: p.status,
    previous: null,
    at: p.since,
    value: p.value,
    message: p.message,
    outageMs: now.getTime() - p.since.getTime(),
    recipients: p.spec.notify?.email ?? [],
  };
}

/** Queues reminders and silence-end mails; returns how many. One server at a time. */
export async function sweepAlerts(em: EntityManager, now: Date, defaultRepeatMs: number): Promise<number> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    const { rows: lock } = await sql<{
      ok: boolean;
    }>`select pg_try_advisory_xact_lock(${LOCK_ALERT_SWEEP}) as ok`.execute(db);
    if (!lock[0]?.ok) return 0;
    const problems = await openProblems(tx);
    const repeatMs = (p: OpenProblem): number => parseDuration(p.spec.notify?.repeatInterval ?? '') ?? defaultRepeatMs;
    const reminders = problems.filter((p) => reminderDue(p, repeatMs(p), now));
    const ended = await endedSilences(tx, now);
    const target = (p: OpenProblem) => ({ check: p.check, namespace: p.namespace, agent: p.agent, labels: p.labels });
    const stillOpen = problems.filter(
      (p) => !p.flapping && ended.some((s) => silenceMatches(s, target(p), new Date(s.endsAt.getTime() - 1))),
    );
    const rows = [
      ...reminders.map((p) => rowFor(p, 'reminder', now)),
      ...stillOpen.map((p) => rowFor(p, 'silence-ended', now)),
    ];
    await insertNotifications(db, rows, now);
    for (const p of [...reminders, ...stillOpen]) {
      await sql`update "check_state" set notified_at = ${now} where check_id = ${p.checkId} and agent_id = ${p.agentId}`.execute(
        db,
      );
    }
    return rows.length;
  });
}

/** Silences that ended since the last sweep (each is handled once). */
async function endedSilences(em: EntityManager, now: Date): Promise<Silence[]> {
  const { rows } = await sql<{ matchers: Silence['matchers']; startsAt: string; endsAt: string }>`
    update "silence" set end_handled = true where not end_handled and ends_at <= ${now}
    returning matchers, starts_at as "startsAt", ends_at as "endsAt"`.execute(em.getKysely());
  return rows.map((r) => ({ matchers: r.matchers, startsAt: new Date(r.startsAt), endsAt: new Date(r.endsAt) }));
}

/** Every open problem (WARNING or CRITICAL), worst first, for GET /api/v1/alerts. */
export async function listOpenProblems(em: EntityManager): Promise<OpenProblem[]> {
  const order: Record<string, number> = { CRITICAL: 0, WARNING: 1 };
  return (await openProblems(em)).sort(
    (a, b) => (order[a.status] ?? 2) - (order[b.status] ?? 2) || a.since.getTime() - b.since.getTime(),
  );
}
