// What the fault tests compare: the results a load generator got acknowledged
// against the rows in the database, read directly (PGlite only once its
// server is stopped: one process per data dir).
import pg from 'pg';
import { openDatabase } from '../../../server/db/orm.ts';
import type { SimReport } from '../../helpers/sim-agents.ts';

export interface StoredRow {
  id: string;
  agent_id: string;
  check_id: string;
  observed_at: string | Date;
}

const QUERY = 'select id, agent_id, check_id, observed_at from check_result';

export async function storedResults(where: { databaseUrl?: string; dataDir: string }): Promise<StoredRow[]> {
  if (where.databaseUrl) {
    const client = new pg.Client({ connectionString: where.databaseUrl });
    await client.connect();
    try {
      return (await client.query<StoredRow>(QUERY)).rows;
    } finally {
      await client.end();
    }
  }
  const db = await openDatabase({ databaseUrl: undefined, dataDir: where.dataDir });
  try {
    return await db.orm.em.getConnection().execute<StoredRow[]>(QUERY);
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
  const byId = new Set(rows.map((r) => r.id));
  const bySeries = new Map<string, number>();
  for (const r of rows) {
    const key = seriesKey(r.agent_id, r.check_id, r.observed_at);
    bySeries.set(key, (bySeries.get(key) ?? 0) + 1);
  }
  let missing = 0;
  for (const { agentId, result } of report.kept) {
    const found = result.id ? byId.has(result.id) : bySeries.has(seriesKey(agentId, result.check, result.observedAt));
    if (!found) missing++;
  }
  const twice = [...bySeries.values()].filter((n) => n > 1).length;
  // Every result the generator made was acknowledged in the end, so nothing else may be stored.
  return { missing, twice, extra: rows.length - report.kept.length };
}
