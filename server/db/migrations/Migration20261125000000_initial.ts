// The initial schema, as MikroORM's schema generator wrote it for server/db/entities.ts.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261125000000Initial extends Migration {
  override up(): void {
    this.addSql(`create table "agent" ("id" uuid not null, "name" text not null, "labels" jsonb not null, "token_hash" text not null, "created_at" timestamptz not null, "last_seen_at" timestamptz null, "deadline_at" timestamptz null, "missing" boolean not null default false, "version" text null, "hostname" text null, primary key ("id"));`);
    this.addSql(`alter table "agent" add constraint "agent_name_unique" unique ("name");`);
    this.addSql(`alter table "agent" add constraint "agent_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "agent_deadline_idx" on "agent" ("deadline_at");`);
    this.addSql(`create table "check" ("id" uuid not null, "namespace" text not null, "name" text not null, "kind" text not null, "spec" jsonb not null, "labels" jsonb not null, "generation" int not null default 1, "source" text not null default 'api', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "check" add constraint "check_namespace_name_unique" unique ("namespace", "name");`);
    this.addSql(`create table "check_result" ("id" uuid not null, "check_id" uuid not null, "agent_id" uuid not null, "status" text not null, "value" double precision null, "message" text null, "observed_at" timestamptz not null, "received_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "check_result_series_idx" on "check_result" ("check_id", "agent_id", "observed_at");`);
    this.addSql(`create index "check_result_received_idx" on "check_result" ("received_at");`);
    this.addSql(`create table "check_state" ("check_id" uuid not null, "agent_id" uuid not null, "status" text not null, "since" timestamptz not null, "value" double precision null, "message" text null, "last_observed_at" timestamptz null, "warn_since" timestamptz null, "crit_since" timestamptz null, "updated_at" timestamptz not null, primary key ("check_id", "agent_id"));`);
    this.addSql(`create table "config_revision" ("id" int not null, "revision" bigint not null, primary key ("id"));`);
    this.addSql(`create table "transition" ("id" bigserial primary key, "check_id" uuid null, "agent_id" uuid not null, "from_status" text null, "to_status" text not null, "at" timestamptz not null, "value" double precision null, "message" text null, "reason" text not null);`);
    this.addSql(`create index "transition_series_idx" on "transition" ("check_id", "agent_id", "at");`);
    this.addSql(`create index "transition_at_idx" on "transition" ("at");`);
    this.addSql(`alter table "check_result" add constraint "check_result_check_id_foreign" foreign key ("check_id") references "check" ("id") on delete cascade;`);
    this.addSql(`alter table "check_result" add constraint "check_result_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`);
    this.addSql(`alter table "check_state" add constraint "check_state_check_id_foreign" foreign key ("check_id") references "check" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "check_state" add constraint "check_state_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "transition" add constraint "transition_check_id_foreign" foreign key ("check_id") references "check" ("id") on delete cascade;`);
    this.addSql(`alter table "transition" add constraint "transition_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`);
    this.addSql(`insert into "config_revision" ("id", "revision") values (1, 1);`);
  }

  override down(): void {
    for (const table of ['transition', 'check_state', 'check_result', 'config_revision', 'check', 'agent']) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
  }
}
