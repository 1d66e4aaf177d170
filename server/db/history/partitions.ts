// The time ranges history is laid out in (ADR 10): the hot table
// `check_result` has one partition per hour of observation time plus a
// default one for results whose hour has none (late data); `result_block`,
// `transition` and `clamped_result` have one partition per day (the last two
// with a default for a day that has none yet). Names carry their range, so no
// catalogue of ranges is kept beside PostgreSQL's own.
import { sql, type Db, type RawBuilder } from '../sql.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** A closed hour is detached this long after its end: results observed at its last second are still on their way. */
export const CLOSE_GRACE_MS = 90_000;

const HOT = 'check_result';
const HOT_DEFAULT = 'check_result_default';
const HOUR_PREFIX = 'check_result_p';
const LATE_PREFIX = 'check_result_late_';

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

/** Our own names only, never from input: safe to put in SQL text. */
const ident = (name: string) => sql.id(name);
const bound = (ms: number) => sql.lit(new Date(ms).toISOString());

export interface HotTable {
  name: string;
  /** Start of its hour; null for a detached default (late results of any time). */
  hour: number | null;
  attached: boolean;
}

/** Every hot table's name, and whether it is still attached (detached ones wait for compaction). */
export function hotTablesSql(): RawBuilder<{ name: string; attached: boolean }> {
  return sql<{ name: string; attached: boolean }>`
    select c.relname as name, c.relispartition as attached from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'
      and (starts_with(c.relname, ${HOUR_PREFIX}) or starts_with(c.relname, ${LATE_PREFIX}))
    order by c.relname`;
}

/** Every hot table: the attached hour partitions and those detached and waiting for compaction. */
export async function hotTables(db: Db): Promise<HotTable[]> {
  const { rows } = await hotTablesSql().execute(db);
  return rows.map(({ name, attached }) => ({
    name,
    attached,
    hour: name.startsWith(HOUR_PREFIX) ? fromStamp(name.slice(HOUR_PREFIX.length)) : null,
  }));
}

export async function createHourPartition(db: Db, hour: number): Promise<void> {
  await sql`create table if not exists ${ident(hourPartition(hour))} partition of ${ident(HOT)}
    for values from (${bound(hour)}) to (${bound(hour + HOUR_MS)})`.execute(db);
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

/**
 * A table partitioned by day of one time column. Retention drops its days
 * whole; a table with a `default` partition takes rows of a day that has no
 * partition yet (late data, a migration) there, until settleDefault moves them.
 */
export interface DailyTable {
  parent: string;
  column: string;
  prefix: string;
  default: string | null;
}

const daily = (parent: string, column: string, withDefault: boolean): DailyTable => ({
  parent,
  column,
  prefix: `${parent}_d`,
  default: withDefault ? `${parent}_default` : null,
});
/** Blocks are written by the fold, which makes their day first: no default needed. */
export const BLOCKS = daily('result_block', 'bucket', false);
export const TRANSITIONS = daily('transition', 'at', true);
export const CLAMPED = daily('clamped_result', 'observed_at', true);
export const DAILY_TABLES = [BLOCKS, TRANSITIONS, CLAMPED] as const;

export const dayPartition = (table: DailyTable, day: number): string => `${table.prefix}${stamp(day, 8)}`;

/** The day partitions of a table, by the start of their day. */
export async function dayPartitions(db: Db, table: DailyTable): Promise<Map<number, string>> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'
      and c.relname ~ ${`^${table.prefix}[0-9]{8}$`}`.execute(db);
  return new Map(rows.map(({ name }) => [fromStamp(name.slice(table.prefix.length)), name]));
}

export async function createDayPartition(db: Db, table: DailyTable, day: number): Promise<void> {
  await sql`create table if not exists ${ident(dayPartition(table, day))} partition of ${ident(table.parent)}
    for values from (${bound(day)}) to (${bound(day + DAY_MS)})`.execute(db);
}

/**
 * Moves the rows waiting in a table's default partition into partitions of
 * their days, made for them (rows of a day past retention go, as their day
 * would). One transaction under the upkeep's lock: the default is swapped for
 * an empty one first, since no day can be made while its rows sit in the default.
 */
export async function settleDefault(db: Db, table: DailyTable, cutoff: number): Promise<number> {
  const name = table.default!;
  const { rows } = await sql<{ day: number }>`
    select distinct (extract(epoch from date_trunc('day', ${ident(table.column)}, 'UTC')) * 1000)::float8 as day
    from ${ident(name)}`.execute(db);
  if (rows.length === 0) return 0;
  const settling = `${table.parent}_settling`;
  await sql`alter table ${ident(table.parent)} detach partition ${ident(name)}`.execute(db);
  await sql`alter table ${ident(name)} rename to ${ident(settling)}`.execute(db);
  await sql`create table ${ident(name)} partition of ${ident(table.parent)} default`.execute(db);
  const kept = rows.map((r) => r.day).filter((day) => day + DAY_MS > cutoff);
  for (const day of kept) await createDayPartition(db, table, day);
  const moved = await sql`insert into ${ident(table.parent)} select * from ${ident(settling)}
    where ${ident(table.column)} >= ${bound(dayOf(cutoff))}`.execute(db);
  await dropTable(db, settling);
  return Number(moved.numAffectedRows ?? 0);
}
