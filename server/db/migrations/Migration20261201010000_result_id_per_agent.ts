// A result's idempotency id is its agent's, not global: agent A's result is no
// longer taken for a retry because agent B once used the same id. Every stored
// row keeps its key (an id unique on its own is unique with its agent too).
import { Migration } from '@mikro-orm/migrations';

export class Migration20261201010000ResultIdPerAgent extends Migration {
  override up(): void {
    this.addSql(`alter table "check_result" drop constraint "check_result_pkey";`);
    this.addSql(`alter table "check_result" add constraint "check_result_pkey" primary key ("agent_id", "id");`);
  }

  override down(): void {
    // Fails if two agents now share an id: then there is no global key to go back to.
    this.addSql(`alter table "check_result" drop constraint "check_result_pkey";`);
    this.addSql(`alter table "check_result" add constraint "check_result_pkey" primary key ("id");`);
  }
}
