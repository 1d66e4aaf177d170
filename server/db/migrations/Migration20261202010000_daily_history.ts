// Transitions and the claims of clamped results laid out by day, like the
// blocks (ADR 10), so retention drops whole days instead of deleting rows: each
// table becomes partitioned by day of its time (`at`, `observed_at`), its key
// widened by that time (a partitioned table's unique keys must hold it), with a
// default partition. The rows there move into it; the upkeep at start-up
// puts them into partitions of their days (history-maintenance.ts).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202010000DailyHistory extends Migration {
  override up(): void {
    this.addSql(`alter table "transition" rename to "transition_v1";`);
    this.addSql(
      `alter table "transition_v1" drop constraint "transition_pkey", drop constraint "transition_check_id_foreign", drop constraint "transition_agent_id_foreign";`,
    );
    this.addSql(`drop index "transition_series_idx";`);
    this.addSql(`drop index "transition_at_idx";`);
    // The ids go on from where they were: the sequence moves to the new table.
    this.addSql(
      `create table "transition" ("id" bigint not null default nextval('transition_id_seq'), "check_id" uuid null, "agent_id" uuid not null, "from_status" text null, "to_status" text not null, "at" timestamptz not null, "value" double precision null, "message" text null, "reason" text not null, primary key ("id", "at")) partition by range ("at");`,
    );
    this.addSql(`alter sequence "transition_id_seq" owned by "transition"."id";`);
    this.addSql(`create table "transition_default" partition of "transition" default;`);
    this.addSql(`create index "transition_series_idx" on "transition" ("check_id", "agent_id", "at");`);
    this.addSql(
      `alter table "transition" add constraint "transition_check_id_foreign" foreign key ("check_id") references "check" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "transition" add constraint "transition_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`,
    );
    this.addSql(`insert into "transition" select * from "transition_v1";`);
    this.addSql(`drop table "transition_v1";`);

    this.addSql(`alter table "clamped_result" rename to "clamped_result_v1";`);
    this.addSql(
      `alter table "clamped_result_v1" drop constraint "clamped_result_pkey", drop constraint "clamped_result_check_id_foreign", drop constraint "clamped_result_agent_id_foreign";`,
    );
    this.addSql(`drop index "clamped_result_observed_idx";`);
    this.addSql(
      `create table "clamped_result" ("check_id" uuid not null, "agent_id" uuid not null, "claimed_at" timestamptz not null, "observed_at" timestamptz not null, primary key ("check_id", "agent_id", "claimed_at", "observed_at")) partition by range ("observed_at");`,
    );
    this.addSql(`create table "clamped_result_default" partition of "clamped_result" default;`);
    this.addSql(
      `alter table "clamped_result" add constraint "clamped_result_check_id_foreign" foreign key ("check_id") references "check" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "clamped_result" add constraint "clamped_result_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`,
    );
    this.addSql(`insert into "clamped_result" select * from "clamped_result_v1";`);
    this.addSql(`drop table "clamped_result_v1";`);
  }

  override down(): void {
    throw new Error('daily history is not migrated down (the result blocks before it cannot be either)');
  }
}
