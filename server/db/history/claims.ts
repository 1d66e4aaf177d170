// The claims of results stamped with their receipt time (ADR 10): an agent
// whose clock is off gets its results stored at the time they arrived, and
// the time it claimed is kept in clamped_result, so a resend of one (the same
// claim, a later arrival) is still a duplicate. Part of the ingest statement
// (results.repository.ts); clamped_result is laid out by day like the rest of
// history, and retention drops its days.
import { inlineSql } from '../inline-sql.ts';
import { sql, type Db, type RawBuilder } from '../sql.ts';

export interface Claimable {
  checkId: string;
  agentId: string;
  observedAt: Date;
  claimedAt?: Date;
}

/**
 * Results stamped with their receipt time (a clock off) are claimed by the
 * time the agent gave them: `resent` holds those whose claim was taken
 * before (in any day's partition: the key holds the receipt time too, see
 * claimLocks), left out of the insert. Nothing at all when the batch has none.
 */
export function clampedClaims(items: readonly Claimable[]): RawBuilder<unknown> {
  const clamped = items.filter((i) => i.claimedAt);
  if (clamped.length === 0) return sql``;
  return sql`all_claims as (
      select * from unnest(${clamped.map((i) => i.checkId)}::uuid[], ${clamped.map((i) => i.agentId)}::uuid[],
        ${clamped.map((i) => i.claimedAt!)}::timestamptz[], ${clamped.map((i) => i.observedAt)}::timestamptz[])
        as c(check_id, agent_id, claimed_at, observed_at)
      where c.check_id in (select id from live_checks) and c.agent_id in (select id from live_agents)
    ), claimed as (
      insert into "clamped_result" (check_id, agent_id, claimed_at, observed_at)
      select distinct on (c.check_id, c.agent_id, c.claimed_at) * from all_claims c
      where not exists (select 1 from "clamped_result" r
        where r.check_id = c.check_id and r.agent_id = c.agent_id and r.claimed_at = c.claimed_at)
      order by c.check_id, c.agent_id, c.claimed_at, c.observed_at
      on conflict do nothing returning check_id, agent_id, observed_at
    ), resent as (
      select check_id, agent_id, observed_at from all_claims
      except select check_id, agent_id, observed_at from claimed
    ),`;
}

const LOCK_CLAIM = 0x76696c10; // with a claim's hash: the two-key advisory locks, apart from the sweeps' one-key ones

/**
 * A claim is looked up before it is taken (clampedClaims), not kept unique by
 * a key: clamped_result is partitioned by receipt day, which its key must
 * hold. Two batches taking one claim at once are kept apart by a lock on it,
 * in a statement before the insert, whose snapshot then sees a claim committed
 * while it waited. Null when the batch has no clamped result.
 */
export function claimLocks(items: readonly Claimable[], db: Db): string | null {
  const clamped = items.filter((i) => i.claimedAt);
  if (clamped.length === 0) return null;
  return inlineSql(
    sql`select pg_advisory_xact_lock(${LOCK_CLAIM}, k) from (
      select distinct hashtext(c::text || '/' || a::text || '/' || round(extract(epoch from t) * 1000)::bigint::text) as k
      from unnest(${clamped.map((i) => i.checkId)}::uuid[], ${clamped.map((i) => i.agentId)}::uuid[],
        ${clamped.map((i) => i.claimedAt!)}::timestamptz[]) as u(c, a, t) order by k) as s`,
    db,
  );
}
