// Alerts: the notification outbox, silences, and the flap/reminder state of check_state.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261125010000Alerts extends Migration {
  override up(): void {
    this.addSql(`create table "notification" ("id" bigserial primary key, "kind" text not null, "check_id" uuid null, "agent_id" uuid null, "status" text not null, "previous" text null, "at" timestamptz not null, "value" double precision null, "message" text null, "outage_ms" bigint null, "recipients" text[] not null, "state" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "claimed_at" timestamptz null, "sent_at" timestamptz null, "last_error" text null, "created_at" timestamptz not null);`);
    this.addSql(`create index "notification_due_idx" on "notification" ("state", "next_attempt_at");`);
    this.addSql(`create index "notification_created_idx" on "notification" ("created_at");`);
    this.addSql(`create table "silence" ("id" uuid not null, "matchers" jsonb not null, "starts_at" timestamptz not null, "ends_at" timestamptz not null, "comment" text not null, "created_by" text not null, "created_at" timestamptz not null, "end_handled" boolean not null default false, primary key ("id"));`);
    this.addSql(`create index "silence_ends_idx" on "silence" ("ends_at");`);
    this.addSql(`alter table "check_state" add "last_raw" text null, add "change_bits" int not null default 0, add "flapping" boolean not null default false, add "notified_at" timestamptz null;`);
    this.addSql(`alter table "notification" add constraint "notification_check_id_foreign" foreign key ("check_id") references "check" ("id") on delete cascade;`);
    this.addSql(`alter table "notification" add constraint "notification_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`);
  }

  override down(): void {
    this.addSql(`drop table if exists "notification" cascade;`);
    this.addSql(`drop table if exists "silence" cascade;`);
    this.addSql(
      `alter table "check_state" drop column "last_raw", drop column "change_bits", drop column "flapping", drop column "notified_at";`,
    );
  }
}
