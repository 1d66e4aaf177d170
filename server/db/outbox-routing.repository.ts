// The outbox router: every new event is born as an `email` row in the
// transaction of its change (so the hot paths write one row, as before); this
// copies it once per other channel and marks it routed, in one transaction, so
// each receiver's delivery is independent (a down Alertmanager holds back no
// mail) and no copy is made twice or lost across replicas and restarts.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NotificationKind } from '../domain/alerts.ts';
import { SENDING_LEASE_MS } from './outbox.repository.ts';
import { sql } from './sql.ts';

export interface RoutableRow {
  kind: NotificationKind;
  /** The check's spec.notify.webhooks (empty for agent events). */
  webhooks: readonly string[];
}

/** Routes up to 1000 unrouted events; returns how many. Mail rows are not claimed before this ran. */
export async function routeNew(em: EntityManager, channelsFor: (row: RoutableRow) => string[]): Promise<number> {
  return em.transactional(async (tx) => {
    const db = tx.getKysely();
    // Unrouted rows are always pending (mail is claimed only once routed), so the due index finds them.
    const { rows } = await sql<{ id: string; kind: NotificationKind; webhooks: unknown }>`
      select n.id, n.kind, c.spec->'notify'->'webhooks' as webhooks
      from "notification" n left join "check" c on c.id = n.check_id
      where n.state = 'pending' and n.channel = 'email' and not n.routed
      order by n.id limit 1000 for update of n skip locked`.execute(db);
    if (rows.length === 0) return 0;
    const copies = rows.flatMap((r) =>
      channelsFor({ kind: r.kind, webhooks: Array.isArray(r.webhooks) ? (r.webhooks as string[]) : [] }).map(
        (channel) => ({ id: r.id, channel }),
      ),
    );
    if (copies.length > 0) {
      await sql`
        insert into "notification" (channel, event_id, routed, kind, check_id, agent_id, status, previous, at, value,
          message, outage_ms, recipients, state, attempts, next_attempt_at, created_at)
        select u.channel, n.id, true, n.kind, n.check_id, n.agent_id, n.status, n.previous, n.at, n.value,
          n.message, n.outage_ms, '{}'::text[], 'pending', 0, n.next_attempt_at, n.created_at
        from unnest(${copies.map((c) => c.id)}::bigint[], ${copies.map((c) => c.channel)}::text[]) as u(id, channel)
        join "notification" n on n.id = u.id`.execute(db);
    }
    await sql`update "notification" set routed = true where id = any(${rows.map((r) => r.id)}::bigint[])`.execute(db);
    return rows.length;
  });
}

/**
 * Ends the undelivered rows of every channel but `channels` (a webhook or an
 * Alertmanager removed from the settings): no notifier claims them, so they
 * would stay pending for ever. They become `dropped`, saying why; a row some
 * server is sending now is left to it (one whose server died goes after the
 * sending lease, as a claim would take it). Returns how many, per channel.
 */
export async function dropUnconfigured(
  em: EntityManager,
  channels: readonly string[],
  now: Date,
): Promise<{ channel: string; count: number }[]> {
  const leaseOver = new Date(now.getTime() - SENDING_LEASE_MS);
  const { rows } = await sql<{ channel: string; count: string }>`
    with dropped as (
      update "notification" set state = 'dropped', claimed_at = null, next_attempt_at = ${now},
        last_error = 'receiver ' || channel || ' is no longer configured'
      where channel <> all(${channels}::text[])
        and (state = 'pending' or (state = 'sending' and claimed_at < ${leaseOver}))
      returning channel)
    select channel, count(*) as count from dropped group by channel order by channel`.execute(em.getKysely());
  return rows.map((r) => ({ channel: r.channel, count: Number(r.count) }));
}
