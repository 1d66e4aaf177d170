// Raw SQL for the hot paths goes through Kysely's `sql` tag on the
// EntityManager's own connection, so it joins the EntityManager's transaction
// and arrays travel as real PostgreSQL arrays (for unnest).
import { sql, type Kysely, type RawBuilder } from 'kysely';

export { sql, type RawBuilder };
// Raw `sql` templates only: no table typing is wanted, any Kysely instance will do.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = Kysely<any>;

/**
 * MikroORM's PostgreSQL driver hands timestamptz back as strings; the domain
 * works on Dates. Convert the named fields of a raw row at the boundary.
 */
export function withDates<T extends object, K extends keyof T>(row: T, fields: readonly K[]): T {
  const out = { ...row };
  for (const field of fields) {
    const value = out[field];
    if (typeof value === 'string') out[field] = new Date(value) as T[K];
  }
  return out;
}

/**
 * A timestamptz column as the API writes a time: what Date#toISOString gives
 * for the driver's text (UTC, milliseconds truncated, `Z`), formatted by
 * PostgreSQL. For the reads of every state: at 1,000 agents × 20 checks,
 * parsing the driver's strings and writing them out again was ~45 ms of the
 * server's ~130 ms of CPU for GET /api/v1/checks.
 */
export function isoText(column: string): RawBuilder<string | null> {
  return sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
}

export const STATE_DATES = ['since', 'lastObservedAt', 'warnSince', 'critSince', 'notifiedAt'] as const;
