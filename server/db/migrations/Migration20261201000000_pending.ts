// Pending problems (ADR 5): a problem inside its `for:` window is kept beside the
// state instead of turning it UNKNOWN.
import { Migration } from '@mikro-orm/migrations';

/** A problem's run start, and its window from the check's spec (cpu, memory, load have `for:`). */
const RUN = `case when s.last_raw = 'CRITICAL' then s.crit_since else s.warn_since end`;
const WINDOW = `case when c.spec -> c.kind ->> 'for' ~ '^([0-9]+(ms|s|m|h))+$'
  then (c.spec -> c.kind ->> 'for')::interval else interval '0' end`;

export class Migration20261201000000Pending extends Migration {
  override up(): void {
    this.addSql(`alter table "check_state" add "pending_status" text null, add "pending_since" timestamptz null, add "pending_counts_at" timestamptz null;`);
    // Existing rows move forward: a problem the state does not show yet is pending, and a state
    // the old evaluation made UNKNOWN with the first result of that problem (so it began with
    // the run) had counted nothing: it is PENDING.
    this.addSql(`update "check_state" s set
      status = case when s.status = 'UNKNOWN' and s.since = s.warn_since then 'PENDING' else s.status end,
      pending_status = s.last_raw, pending_since = ${RUN}, pending_counts_at = ${RUN} + ${WINDOW}
      from "check" c
      where c.id = s.check_id and s.last_raw in ('WARNING', 'CRITICAL') and s.status <> s.last_raw and ${RUN} is not null;`);
  }

  override down(): void {
    this.addSql(`update "check_state" set status = 'UNKNOWN' where status = 'PENDING';`);
    this.addSql(
      `alter table "check_state" drop column "pending_status", drop column "pending_since", drop column "pending_counts_at";`,
    );
  }
}
