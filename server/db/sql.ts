// Raw SQL for the hot paths goes through Kysely's `sql` tag on the
// EntityManager's own connection, so it joins the EntityManager's transaction
// and arrays travel as real PostgreSQL arrays (for unnest).
import type { Kysely } from 'kysely';

export { sql } from 'kysely';
// Raw `sql` templates only: no table typing is wanted, any Kysely instance will do.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = Kysely<any>;
