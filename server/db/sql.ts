// Raw SQL for the hot paths goes through Kysely's `sql` tag on the
// EntityManager's own connection, so it joins the EntityManager's transaction
// and arrays travel as real PostgreSQL arrays (for unnest).
import type { Kysely } from 'kysely';

export { sql, type RawBuilder } from 'kysely';
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

export const STATE_DATES = ['since', 'lastObservedAt', 'warnSince', 'critSince', 'notifiedAt'] as const;
