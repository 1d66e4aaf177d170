// Alert channels: each outbox row belongs to one receiver (email, an
// Alertmanager, a named webhook). Rows written before this were mail, and
// were already as routed as they will ever be.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261201020000Channels extends Migration {
  override up(): void {
    this.addSql(
      `alter table "notification" add column "channel" text not null default 'email', add column "routed" boolean not null default false, add column "event_id" bigint null;`,
    );
    this.addSql(`update "notification" set "routed" = true;`);
  }

  override down(): void {
    this.addSql(`delete from "notification" where "channel" <> 'email';`);
    this.addSql(`alter table "notification" drop column "channel", drop column "routed", drop column "event_id";`);
  }
}
