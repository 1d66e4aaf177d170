// A `sql` statement with its parameters written into the text as literals,
// for the ingest write only: PostgreSQL takes several statements in one round
// trip only as plain text (the simple query protocol), and `pg` sends one
// statement per round trip otherwise. Each literal is escaped here, in one
// place, for the few types the ingest statements carry.
import type { Db, RawBuilder } from './sql.ts';

type Scalar = string | number | boolean | Date | null | undefined;

/** The statement as text, every `$n` replaced by its parameter as a literal (the casts stay in the SQL). */
export function inlineSql(statement: RawBuilder<unknown>, db: Db): string {
  const { sql: text, parameters } = statement.compile(db);
  let used = 0;
  const inlined = text.replace(/\$(\d+)\b/g, (_, n: string) => {
    used++;
    return literal(parameters[Number(n) - 1] as Scalar | Scalar[]);
  });
  // Any other `$` (dollar quoting) would make the replacement above unsafe: refuse rather than guess.
  if (used !== parameters.length || /\$(?!\d)/.test(text))
    throw new Error('inlineSql: the statement uses $ for something other than its parameters');
  return inlined;
}

/** One parameter as a PostgreSQL literal: a scalar, or an array as the text of an array literal. */
export function literal(value: Scalar | Scalar[]): string {
  if (Array.isArray(value)) return quote(`{${value.map(arrayElement).join(',')}}`);
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return quote(value);
  return quote(scalarText(value));
}

function scalarText(value: number | boolean | Date): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('inlineSql: an invalid Date');
    return value.toISOString();
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (!Number.isFinite(value)) throw new Error(`inlineSql: ${value} has no literal`);
  return String(value);
}

/** Inside `{…}`: NULL bare, everything else double-quoted with `"` and `\` escaped (array_in's rules). */
function arrayElement(value: Scalar): string {
  if (value === null || value === undefined) return 'NULL';
  const text = typeof value === 'string' ? value : scalarText(value);
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** An escape string (E'…'): means the same whatever standard_conforming_strings is. */
function quote(text: string): string {
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
