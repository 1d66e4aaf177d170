// Results laid out for bytes and retention (ADR 10): `check_result` becomes
// the hot table, partitioned by hour of observation (the maintenance makes
// the hours; a default partition takes the rest), keyed by what a result is
// (check, agent, observation time) instead of a 16-byte id; `result_block`
// holds compacted hours, partitioned by day so retention drops days. The
// history there is carries forward into the default partition, and the
// maintenance at start-up folds it into blocks.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202000000ResultBlocks extends Migration {
  override up(): void {
    this.addSql(`alter table "check_result" rename to "check_result_v1";`);
    this.addSql(
      `alter table "check_result_v1" drop constraint "check_result_pkey", drop constraint "check_result_check_id_foreign", drop constraint "check_result_agent_id_foreign";`,
    );
    this.addSql(`drop index "check_result_series_idx";`);
    this.addSql(`drop index "check_result_received_idx";`);
    this.addSql(
      `create table "check_result" ("check_id" uuid not null, "agent_id" uuid not null, "observed_at" timestamptz not null, "status" text not null, "value" double precision null, "message" text null, primary key ("check_id", "agent_id", "observed_at")) partition by range ("observed_at");`,
    );
    this.addSql(`create table "check_result_default" partition of "check_result" default;`);
    this.addSql(
      `alter table "check_result" add constraint "check_result_check_id_foreign" foreign key ("check_id") references "check" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "check_result" add constraint "check_result_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`,
    );
    // Two rows of one series at one instant were one result posted under two ids: the first stored stays.
    this.addSql(`insert into "check_result" (check_id, agent_id, observed_at, status, value, message)
      select check_id, agent_id, observed_at, status, value, message from "check_result_v1"
      order by received_at on conflict do nothing;`);
    this.addSql(`drop table "check_result_v1";`);
    this.addSql(
      `create table "result_block" ("check_id" uuid not null, "agent_id" uuid not null, "bucket" timestamptz not null, "count" int not null, "data" bytea not null, primary key ("check_id", "agent_id", "bucket")) partition by range ("bucket");`,
    );
    this.addSql(
      `alter table "result_block" add constraint "result_block_check_id_foreign" foreign key ("check_id") references "check" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "result_block" add constraint "result_block_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`,
    );
    // Results whose agent's clock was off are stored at their receipt time; their claimed time keeps a resend out.
    this.addSql(
      `create table "clamped_result" ("check_id" uuid not null, "agent_id" uuid not null, "claimed_at" timestamptz not null, "observed_at" timestamptz not null, primary key ("check_id", "agent_id", "claimed_at"));`,
    );
    this.addSql(`create index "clamped_result_observed_idx" on "clamped_result" ("observed_at");`);
    this.addSql(
      `alter table "clamped_result" add constraint "clamped_result_check_id_foreign" foreign key ("check_id") references "check" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "clamped_result" add constraint "clamped_result_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`,
    );
  }

  override down(): void {
    throw new Error('result blocks cannot be migrated down: the ids the old table was keyed by are gone');
  }
}
