// Every migration, in order. Listed here (not discovered from the folder) so
// the same list works from source and from the compiled build.
import { Migration20261125000000Initial } from './Migration20261125000000_initial.ts';
import { Migration20261125010000Alerts } from './Migration20261125010000_alerts.ts';
import { Migration20261201000000Pending } from './Migration20261201000000_pending.ts';
import { Migration20261201010000ResultIdPerAgent } from './Migration20261201010000_result_id_per_agent.ts';
import { Migration20261201020000Channels } from './Migration20261201020000_channels.ts';
import { Migration20261202000000ResultBlocks } from './Migration20261202000000_result_blocks.ts';
import { Migration20261202010000DailyHistory } from './Migration20261202010000_daily_history.ts';

export const migrations = [
  { name: 'Migration20261125000000_initial', class: Migration20261125000000Initial },
  { name: 'Migration20261125010000_alerts', class: Migration20261125010000Alerts },
  { name: 'Migration20261201000000_pending', class: Migration20261201000000Pending },
  { name: 'Migration20261201010000_result_id_per_agent', class: Migration20261201010000ResultIdPerAgent },
  { name: 'Migration20261201020000_channels', class: Migration20261201020000Channels },
  { name: 'Migration20261202000000_result_blocks', class: Migration20261202000000ResultBlocks },
  { name: 'Migration20261202010000_daily_history', class: Migration20261202010000DailyHistory },
];
