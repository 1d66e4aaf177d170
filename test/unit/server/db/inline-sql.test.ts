import { describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect } from 'kysely';
import { inlineSql, literal } from '../../../../server/db/inline-sql.ts';
import { sql } from '../../../../server/db/sql.ts';

// Compiling needs a dialect, never a connection: the pool is never asked for a client.
const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: {} as never }) });

describe('literal', () => {
  it.each<[string, Parameters<typeof literal>[0], string]>([
    ['null', null, 'NULL'],
    ['undefined as null', undefined, 'NULL'],
    ['plain text', 'OK', "E'OK'"],
    ['a single quote doubled', "it's", "E'it''s'"],
    ['a backslash doubled (E string)', 'C:\\tmp', "E'C:\\\\tmp'"],
    ['a dollar sign kept', '$1 $$ $tag$', "E'$1 $$ $tag$'"],
    ['unicode and newlines kept', 'ü ✓\nline', "E'ü ✓\nline'"],
    ['a number', 12.5, "E'12.5'"],
    ['a negative exponent', -1e-7, "E'-1e-7'"],
    ['a boolean', true, "E't'"],
    ['a date in UTC', new Date('2026-11-25T10:00:00.123Z'), "E'2026-11-25T10:00:00.123Z'"],
    ['an empty array', [], "E'{}'"],
    ['an array with NULL bare and text quoted', ['a', null, 'b'], 'E\'{"a",NULL,"b"}\''],
    ['an array element with quote, backslash, comma, brace', ['a"b\\c,{d}'], 'E\'{"a\\\\"b\\\\\\\\c,{d}"}\''],
    ['an array element with a single quote', ["o'k"], "E'{\"o''k\"}'"],
    ['the word NULL as text stays text', ['NULL'], 'E\'{"NULL"}\''],
    ['an array of numbers', [1, null, 2.5], 'E\'{"1",NULL,"2.5"}\''],
    ['an array of dates', [new Date(0)], 'E\'{"1970-01-01T00:00:00.000Z"}\''],
  ])('%s', (_name, value, expected) => {
    expect(literal(value)).toBe(expected);
  });

  it.each([NaN, Infinity, -Infinity])('refuses %s (no literal means the same)', (value) => {
    expect(() => literal(value)).toThrow(/no literal/);
    expect(() => literal([value])).toThrow(/no literal/);
  });

  it('refuses an invalid Date', () => {
    expect(() => literal(new Date('nope'))).toThrow(/invalid Date/);
  });
});

describe('inlineSql', () => {
  it('replaces every placeholder by its literal and keeps the casts', () => {
    const text = inlineSql(sql`select ${'x'}::text, ${[1, 2]}::int[], ${null}::uuid`, db);
    expect(text).toBe(`select E'x'::text, E'{"1","2"}'::int[], NULL::uuid`);
  });

  it('keeps $10 apart from $1', () => {
    const values = Array.from({ length: 11 }, (_, i) => `v${i + 1}`);
    const text = inlineSql(sql`select ${sql.join(values.map((v) => sql`${v}`))}`, db);
    expect(text).toBe(`select ${values.map((v) => `E'${v}'`).join(', ')}`);
  });

  it('refuses a statement that uses $ itself (dollar quoting)', () => {
    expect(() => inlineSql(sql`select $$text$$, ${1}`, db)).toThrow(/uses \$/);
  });

  it('nests statements built elsewhere, parameters and all', () => {
    const inner = sql`insert into t (a) values (${"o'k"})`;
    expect(inlineSql(sql`with i as (${inner}) select ${2}::int`, db)).toBe(
      `with i as (insert into t (a) values (E'o''k')) select E'2'::int`,
    );
  });
});
