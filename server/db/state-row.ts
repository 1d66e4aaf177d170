// One check_state row as the domain's CheckState: the columns every reader of
// a whole state selects, and the mapping from that row (timestamps arrive as
// strings, the pending problem as three flat columns).
import type { CheckState } from '../domain/evaluate.ts';
import type { PendingProblem } from '../domain/status.ts';
import { isoText, sql, STATE_DATES, withDates } from './sql.ts';

/** The columns of a state, named as StateColumns; the table is aliased `s`. */
export const stateColumns = sql.raw(`s.status, s.since, s.value, s.message, s.last_observed_at as "lastObservedAt",
  s.warn_since as "warnSince", s.crit_since as "critSince", s.last_raw as "lastRaw", s.change_bits as "changeBits",
  s.flapping, s.notified_at as "notifiedAt", s.pending_status as "pendingStatus", s.pending_since as "pendingSince",
  s.pending_counts_at as "pendingCountsAt"`);

type Dated<T, K extends keyof T> = Omit<T, K> & Record<K, Date | string | null>;

/** A state as stateColumns selects it. */
export type StateColumns = Dated<Omit<CheckState, 'pending'>, (typeof STATE_DATES)[number]> & {
  pendingStatus: PendingProblem['status'] | null;
  pendingSince: Date | string | null;
  pendingCountsAt: Date | string | null;
};

export function toCheckState(row: StateColumns): CheckState {
  const { pendingStatus, pendingSince, pendingCountsAt, ...rest } = row;
  const pending =
    pendingStatus === null || pendingSince === null || pendingCountsAt === null
      ? null
      : { status: pendingStatus, since: new Date(pendingSince), countsAt: new Date(pendingCountsAt) };
  return { ...(withDates(rest, STATE_DATES) as Omit<CheckState, 'pending'>), pending };
}

/**
 * The pending problem as one JSON column `pending` for the views (its message is
 * the last result's), its times already the API's text (isoText).
 */
export const pendingJson = sql`case when s.pending_status is null then null else json_build_object(
  'status', s.pending_status, 'since', ${isoText('s.pending_since')}, 'countsAt', ${isoText('s.pending_counts_at')},
  'message', s.message) end as pending`;
