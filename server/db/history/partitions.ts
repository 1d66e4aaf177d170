// The time ranges history is laid out in (ADR 10): the hot table
// `check_result` has one partition per hour of observation time plus a
// default one for results whose hour has none (late data); `result_block` has
// one partition per day of bucket. Names carry their range, so no catalogue
// of ranges is kept beside PostgreSQL's own.
import { sql, type Db } from '../sql.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** A closed hour is detached this long after its end: results observed at its last second are still on their way. */
export const CLOSE_GRACE_MS = 90_000;

const HOT = 'check_result';
const HOT_DEFAULT = 'check_result_default';
const HOUR_PREFIX = 'check_result_p';
const LATE_PREFIX = 'check_result_late_';
const BLOCK_PREFIX = 'result_block_d';

const stamp = (ms: number, digits: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, digits);

function fromStamp(text: string): number {
  const [y, mo, d, h] = [text.slice(0, 4), text.slice(4, 6), text.slice(6, 8), text.slice(8, 10) || '00'];
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h));
}

export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
export const hourPartition = (hour: number): string => `${HOUR_PREFIX}${stamp(hour, 10)}`;
export const blockPartition = (day: number): string => `${BLOCK_PREFIX}${stamp(day, 8)}`;

/** Our own names only, never from input: safe to put in SQL text. */
const ident = (name: string) => sql.id(name);
const bound = (ms: number) => sql.lit(new Date(ms).toISOString());

export interface HotTable {
  name: string;
  /** Start of its hour; null for a detached default (late results of any time). */
  hour: number | null;
  attached: boolean;
}

/** Every hot table: the attached hour partitions and those detached and waiting for compaction. */
export async function hotTables(db: Db): Promise<HotTable[]> {
  const { rows } = await sql<{ name: string; attached: boolean }>`
    select c.relname as name, c.relispartition as attached from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'
      and (starts_with(c.relname, ${HOUR_PREFIX}) or starts_with(c.relname, ${LATE_PREFIX}))
    order by c.relname`.execute(db);
  return rows.map(({ name, attached }) => ({
    name,
    attached,
    hour: name.startsWith(HOUR_PREFIX) ? fromStamp(name.slice(HOUR_PREFIX.length)) : null,
  }));
}

/** The day partitions of result_block, by the start of their day. */
export async function blockDays(db: Db): Promise<Map<number, string>> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and starts_with(c.relname, ${BLOCK_PREFIX})`.execute(
    db,
  );
  return new Map(rows.map(({ name }) => [fromStamp(name.slice(BLOCK_PREFIX.length)), name]));
}

export async function createHourPartition(db: Db, hour: number): Promise<void> {
  await sql`create table if not exists ${ident(hourPartition(hour))} partition of ${ident(HOT)}
    for values from (${bound(hour)}) to (${bound(hour + HOUR_MS)})`.execute(db);
}

export async function createBlockPartition(db: Db, day: number): Promise<void> {
  await sql`create table if not exists ${ident(blockPartition(day))} partition of "result_block"
    for values from (${bound(day)}) to (${bound(day + DAY_MS)})`.execute(db);
}

/** Stops new results going to this hour's partition (they go to the default one, as late data). */
export async function detachHour(db: Db, name: string): Promise<void> {
  await sql`alter table ${ident(HOT)} detach partition ${ident(name)}`.execute(db);
}

/**
 * Swaps the default partition for an empty one, in one transaction, so
 * every result always has a partition to go to; the old one waits for
 * compaction under a name of its own.
 */
export async function rotateDefault(db: Db, now: number): Promise<void> {
  await sql`alter table ${ident(HOT)} detach partition ${ident(HOT_DEFAULT)}`.execute(db);
  await sql`alter table ${ident(HOT_DEFAULT)} rename to ${ident(`${LATE_PREFIX}${now}`)}`.execute(db);
  await sql`create table ${ident(HOT_DEFAULT)} partition of ${ident(HOT)} default`.execute(db);
}

export async function defaultHasRows(db: Db): Promise<boolean> {
  const { rows } = await sql<{ any: boolean }>`select exists (select 1 from ${ident(HOT_DEFAULT)}) as any`.execute(db);
  return rows[0]!.any;
}

/** A whole range goes at once: no row-by-row delete, nothing for vacuum. */
export async function dropTable(db: Db, name: string): Promise<void> {
  await sql`drop table if exists ${ident(name)}`.execute(db);
}
