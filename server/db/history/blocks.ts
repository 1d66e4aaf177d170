// Compacted history: one row of result_block per (check, agent, hour), its
// results in one bytea (codec.ts). Reading and merging blocks; the decoding
// happens here, in the server, never in SQL.
import { sql, type Db, type RawBuilder } from '../sql.ts';
import { decodeBlock, encodeBlock, type StoredResult } from './codec.ts';
import { BLOCKS, createDayPartition, dayOf, hourOf } from './partitions.ts';

export interface SeriesKey {
  checkId: string;
  agentId: string;
}

export interface Block extends SeriesKey {
  bucket: number;
  data: Buffer;
}

/** Results of one series in one hour: the block's, then new ones where the block has none at that time. */
export function mergeResults(existing: readonly StoredResult[], fresh: readonly StoredResult[]): StoredResult[] {
  const byTime = new Map<number, StoredResult>();
  for (const r of existing) byTime.set(r.t, r);
  // A result already compacted is the one stored first: a resend never replaces it.
  for (const r of fresh) if (!byTime.has(r.t)) byTime.set(r.t, r);
  return [...byTime.values()].sort((a, b) => a.t - b.t);
}

const keyOf = (checkId: string, agentId: string, bucket: number): string => `${checkId}/${agentId}/${bucket}`;

/** Runs one statement: on a transaction's Kysely, or on the ingest's own client. */
export type Run = <T>(statement: RawBuilder<T>) => Promise<{ rows: T[] }>;
export const onDb =
  (db: Db): Run =>
  (statement) =>
    statement.execute(db);

/** The statement reading the blocks of these (series, hour) keys, locked for update when `lock`. */
export function blocksAtSql(keys: readonly (SeriesKey & { bucket: number })[], lock: boolean): RawBuilder<Block> {
  return sql<Block>`
    select b.check_id as "checkId", b.agent_id as "agentId", round(extract(epoch from b.bucket) * 1000)::float8 as bucket, b.data
    from "result_block" b join unnest(${keys.map((k) => k.checkId)}::uuid[], ${keys.map((k) => k.agentId)}::uuid[],
      ${keys.map((k) => new Date(k.bucket))}::timestamptz[]) as k(check_id, agent_id, bucket)
      on b.check_id = k.check_id and b.agent_id = k.agent_id and b.bucket = k.bucket
    ${lock ? sql`for update of b` : sql``}`;
}

/** Existing blocks for these (series, hour) keys, locked for update when `lock`. */
export async function blocksAt(
  run: Run,
  keys: readonly (SeriesKey & { bucket: number })[],
  lock: boolean,
): Promise<Map<string, Block>> {
  if (keys.length === 0) return new Map();
  const { rows } = await run(blocksAtSql(keys, lock));
  return new Map(rows.map((r) => [keyOf(r.checkId, r.agentId, r.bucket), r]));
}

/** The (series, hour) keys of blocks that may hold these results. */
export function blockKeys(results: readonly (SeriesKey & { t: number })[]): (SeriesKey & { bucket: number })[] {
  const keys = new Map<string, SeriesKey & { bucket: number }>();
  for (const r of results) {
    const bucket = hourOf(r.t);
    keys.set(keyOf(r.checkId, r.agentId, bucket), { checkId: r.checkId, agentId: r.agentId, bucket });
  }
  return [...keys.values()];
}

/** Every result these blocks hold, as `check/agent/t`. */
export function heldIn(blocks: Iterable<Block>): Set<string> {
  const held = new Set<string>();
  for (const block of blocks)
    for (const r of decodeBlock(block.data, block.bucket)) held.add(`${block.checkId}/${block.agentId}/${r.t}`);
  return held;
}

export interface HotRow extends SeriesKey, StoredResult {}

/**
 * Folds hot rows into their hours' blocks: each (series, hour) is read,
 * merged and written back in one statement; the day partitions it needs are
 * made first. Idempotent: folding the same rows twice stores them once.
 */
export async function foldIntoBlocks(db: Db, rows: readonly HotRow[]): Promise<number> {
  const groups = new Map<string, { key: SeriesKey & { bucket: number }; results: StoredResult[] }>();
  for (const row of rows) {
    const bucket = hourOf(row.t);
    const id = keyOf(row.checkId, row.agentId, bucket);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { key: { checkId: row.checkId, agentId: row.agentId, bucket }, results: [] }));
    group.results.push({ t: row.t, status: row.status, value: row.value, message: row.message });
  }
  if (groups.size === 0) return 0;
  for (const day of new Set([...groups.values()].map((g) => dayOf(g.key.bucket))))
    await createDayPartition(db, BLOCKS, day);
  const existing = await blocksAt(
    onDb(db),
    [...groups.values()].map((g) => g.key),
    true,
  );
  const out: { key: SeriesKey & { bucket: number }; count: number; data: Buffer }[] = [];
  for (const [id, { key, results }] of groups) {
    const old = existing.get(id);
    const merged = mergeResults(old ? decodeBlock(old.data, key.bucket) : [], results);
    out.push({ key, count: merged.length, data: encodeBlock(merged, key.bucket) });
  }
  await sql`insert into "result_block" (check_id, agent_id, bucket, count, data)
    select * from unnest(${out.map((o) => o.key.checkId)}::uuid[], ${out.map((o) => o.key.agentId)}::uuid[],
      ${out.map((o) => new Date(o.key.bucket))}::timestamptz[], ${out.map((o) => o.count)}::int[], ${out.map((o) => o.data)}::bytea[])
    on conflict (check_id, agent_id, bucket) do update set count = excluded.count, data = excluded.data`.execute(db);
  return out.length;
}
