// The notification outbox: rows are written (as `email` rows) in the
// transaction of the change that causes them; the router (outbox-routing)
// copies each once per other channel; each channel's notifier claims its due
// rows (FOR UPDATE SKIP LOCKED, under a transaction-scoped advisory lock per
// channel so one server delivers a channel at a time), delivers them outside
// any transaction, then marks them.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NotificationDraft } from '../domain/alerts.ts';
import { sql, type Db, type RawBuilder } from './sql.ts';

export interface OutboxRow extends NotificationDraft {
  checkId: string | null;
  agentId: string | null;
  recipients: string[];
}

export async function insertNotifications(db: Db, rows: readonly OutboxRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await notificationsInsert(rows, now).execute(db);
}

/** The INSERT of outbox rows as a statement to run or to nest in a WITH (no rows: inserts nothing). */
export function notificationsInsert(rows: readonly OutboxRow[], now: Date): RawBuilder<unknown> {
  const col = <T>(pick: (r: OutboxRow) => T): T[] => rows.map(pick);
  return sql`
    insert into "notification" (kind, check_id, agent_id, status, previous, at, value, message, outage_ms,
                                recipients, state, attempts, next_attempt_at, created_at)
    select u.kind, u.check_id, u.agent_id, u.status, u.previous, u.at, u.value, u.message, u.outage_ms,
           string_to_array(u.recipients, ','), 'pending', 0, ${now}::timestamptz, ${now}::timestamptz
    from unnest(${col((r) => r.kind)}::text[], ${col((r) => r.checkId)}::uuid[], ${col((r) => r.agentId)}::uuid[],
      ${col((r) => r.status)}::text[], ${col((r) => r.previous)}::text[], ${col((r) => r.at)}::timestamptz[],
      ${col((r) => r.value)}::float8[], ${col((r) => r.message)}::text[], ${col((r) => r.outageMs)}::bigint[],
      ${col((r) => r.recipients.join(','))}::text[])
      as u(kind, check_id, agent_id, status, previous, at, value, message, outage_ms, recipients)`;
}

/** A claimed row, with what the mail needs to say. */
export interface ClaimedNotification {
  id: string;
  /** `email`, `alertmanager:<url>` or `webhook:<name>`. */
  channel: string;
  /** The `email` row this one was copied from (itself for mail): one id per event, for idempotency keys. */
  eventId: string;
  kind: NotificationDraft['kind'];
  status: string;
  previous: string | null;
  at: Date;
  value: number | null;
  message: string | null;
  outageMs: number | null;
  recipients: string[];
  attempts: number;
  /** When this attempt was due: rows that failed together share it, so a retry regroups them alike. */
  dueAt: Date;
  check: string | null;
  namespace: string | null;
  checkLabels: Record<string, string>;
  /** The check's probe kind (cpu, process, http, …). */
  checkKind: string | null;
  agent: string | null;
  agentLabels: Record<string, string>;
}

const LOCK_NOTIFIER = 0x76696c03;
/** A row left in `sending` this long (its server died mid-send) is sent again. */
export const SENDING_LEASE_MS = 2 * 60_000;

/**
 * Claims every due row of `channel` whose group has waited `groupWaitMs` (the
 * oldest pending row of its recipients is that old), so a burst goes out as
 * one mail or post. Mail rows wait until the router has copied them.
 */
export async function claimDue(
  em: EntityManager,
  channel: string,
  now: Date,
  groupWaitMs: number,
): Promise<ClaimedNotification[]> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    const { rows: lock } = await sql<{
      ok: boolean;
    }>`select pg_try_advisory_xact_lock(${LOCK_NOTIFIER}, hashtext(${channel})) as ok`.execute(db);
    if (!lock[0]?.ok) return [];
    const groupReady = new Date(now.getTime() - groupWaitMs);
    const leaseOver = new Date(now.getTime() - SENDING_LEASE_MS);
    const { rows: claimed } = await sql<{ id: string }>`
      with ready_groups as (
        select recipients from "notification" where state = 'pending' and attempts = 0 and channel = ${channel}
        group by recipients having min(created_at) <= ${groupReady}),
      due as (
        select n.id from "notification" n
        where n.channel = ${channel} and (n.channel <> 'email' or n.routed)
          and ((n.state = 'pending' and n.next_attempt_at <= ${now}
                and (n.attempts > 0 or n.recipients in (select recipients from ready_groups)))
               or (n.state = 'sending' and n.claimed_at < ${leaseOver}))
        order by n.id limit 1000 for update of n skip locked)
      update "notification" n set state = 'sending', claimed_at = ${now}, attempts = n.attempts + 1
      from due where n.id = due.id returning n.id`.execute(db);
    if (claimed.length === 0) return [];
    return loadClaimed(
      db,
      claimed.map((r) => r.id),
    );
  });
}

/** The rows with what a delivery needs to say, by id. */
export async function loadClaimed(db: Db, ids: readonly string[]): Promise<ClaimedNotification[]> {
  const { rows } = await sql<ClaimedNotification & { at: string; dueAt: string; outageMs: string | null }>`
    select n.id, n.channel, coalesce(n.event_id, n.id)::text as "eventId", n.kind, n.status, n.previous, n.at, n.value, n.message, n.outage_ms as "outageMs", n.recipients,
      n.attempts, n.next_attempt_at as "dueAt", c.name as check, c.namespace, coalesce(c.labels, '{}') as "checkLabels", c.kind as "checkKind",
      a.name as agent, coalesce(a.labels, '{}') as "agentLabels"
    from "notification" n left join "check" c on c.id = n.check_id left join "agent" a on a.id = n.agent_id
    where n.id = any(${ids}::bigint[]) order by n.id`.execute(db);
  return rows.map((r) => ({
    ...r,
    at: new Date(r.at),
    dueAt: new Date(r.dueAt),
    outageMs: r.outageMs === null ? null : Number(r.outageMs),
  }));
}

export type Outcome =
  | { state: 'sent' }
  | { state: 'silenced' | 'skipped'; reason: string }
  | { state: 'failed'; error: string }
  | { state: 'retry'; error: string; at: Date };

export async function markOutcome(
  em: EntityManager,
  ids: readonly string[],
  outcome: Outcome,
  now: Date,
): Promise<void> {
  if (ids.length === 0) return;
  const db = em.getKysely();
  const state = outcome.state === 'retry' ? 'pending' : outcome.state;
  const error = 'error' in outcome ? outcome.error : 'reason' in outcome ? outcome.reason : null;
  const next = outcome.state === 'retry' ? outcome.at : now;
  await sql`update "notification" set state = ${state}, last_error = ${error}, next_attempt_at = ${next},
    sent_at = ${outcome.state === 'sent' ? now : null}, claimed_at = null
    where id = any(${ids}::bigint[])`.execute(db);
}

export interface NotificationRow {
  id: string;
  channel: string;
  kind: string;
  check: string | null;
  namespace: string | null;
  agent: string | null;
  status: string;
  at: string;
  state: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  recipients: string[];
}

/** The newest notifications, for people (GET /api/v1/notifications). */
export async function listNotifications(
  em: EntityManager,
  filter: { state?: string | undefined; channel?: string | undefined },
  limit: number,
): Promise<NotificationRow[]> {
  const where = [
    ...(filter.state ? [sql`n.state = ${filter.state}`] : []),
    ...(filter.channel ? [sql`n.channel = ${filter.channel}`] : []),
  ];
  const { rows } = await sql<NotificationRow>`
    select n.id, n.channel, n.kind, c.name as check, c.namespace, a.name as agent, n.status, n.at, n.state, n.attempts,
      n.last_error as "lastError", n.sent_at as "sentAt", n.recipients
    from "notification" n left join "check" c on c.id = n.check_id left join "agent" a on a.id = n.agent_id
    ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``} order by n.id desc limit ${limit}`.execute(
    em.getKysely(),
  );
  return rows;
}
