// What the fault tests compare: the results a load generator got acknowledged
// against the rows in the database, read directly (PGlite only once its
// server is stopped: one process per data dir).
import { openDatabase } from '../../../server/db/orm.ts';
import { readHistory } from '../../../server/db/history/read.ts';
import { sql } from '../../../server/db/sql.ts';
import type { SimReport } from '../../helpers/sim-agents.ts';

export interface StoredRow {
  agent_id: string;
  check_id: string;
  observed_at: string | Date;
}

/** Every stored result, hot or compacted, through the server's own reader. */
export async function storedResults(where: { databaseUrl?: string; dataDir: string }): Promise<StoredRow[]> {
  const db = await openDatabase({ databaseUrl: where.databaseUrl, dataDir: where.dataDir });
  try {
    const kysely = db.orm.em.fork().getKysely();
    const { rows: checks } = await sql<{ id: string }>`select id from "check"`.execute(kysely);
    const rows = await readHistory(kysely, {
      checkIds: checks.map((c) => c.id),
      agentId: null,
      from: 0,
      to: Date.now() + 86_400_000,
    });
    return rows.map((r) => ({ agent_id: r.agentId, check_id: r.checkId, observed_at: new Date(r.t) }));
  } finally {
    await db.close();
  }
}

const seriesKey = (agent: string, check: string, at: string | Date): string =>
  `${agent}/${check}/${new Date(at).getTime()}`;

/** Acknowledged results missing from the rows, and results stored more than once (same agent, check and time). */
export function compare(report: SimReport, all: StoredRow[]): { missing: number; twice: number; extra: number } {
  // Only the simulated agents' rows: a real agent may be writing beside them.
  const agents = new Set(report.kept.map((k) => k.agentId));
  const rows = all.filter((r) => agents.has(r.agent_id));
  const bySeries = new Map<string, number>();
  for (const r of rows) {
    const key = seriesKey(r.agent_id, r.check_id, r.observed_at);
    bySeries.set(key, (bySeries.get(key) ?? 0) + 1);
  }
  let missing = 0;
  for (const { agentId, result } of report.kept) {
    if (!bySeries.has(seriesKey(agentId, result.check.toLowerCase(), result.observedAt))) missing++;
  }
  const twice = [...bySeries.values()].filter((n) => n > 1).length;
  // Every result the generator made was acknowledged in the end, so nothing else may be stored.
  return { missing, twice, extra: rows.length - report.kept.length };
}
