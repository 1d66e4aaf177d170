// The server's own upkeep of result history, one entry point for the timer
// (server/sweeps.ts) and for the storage benchmark: today, retention.
import type { EntityManager } from '@mikro-orm/postgresql';
import { pruneHistory } from './sweeps.repository.ts';

export interface HistoryUpkeep {
  pruned: number;
}

export async function maintainHistory(em: EntityManager, now: Date, retentionMs: number): Promise<HistoryUpkeep> {
  const pruned = await pruneHistory(em, new Date(now.getTime() - retentionMs));
  return { pruned };
}
