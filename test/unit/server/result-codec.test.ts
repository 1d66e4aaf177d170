// A compacted block gives back exactly what went in: every time, status,
// value (floats to the bit) and message, whatever the mix.
import { describe, expect, it } from 'vitest';
import { decimalScale, decodeBlock, encodeBlock, type StoredResult } from '../../../server/db/history/codec.ts';
import { mergeResults } from '../../../server/db/history/blocks.ts';

const HOUR = Date.UTC(2026, 11, 1, 10);
const at = (i: number, step = 30_000, jitter = 0): number => HOUR + i * step + (i % 3) * jitter;
const ok = (t: number, value: number | null, message: string | null = null): StoredResult => ({
  t,
  status: 'OK',
  value,
  message,
});

const series = (n: number, make: (i: number) => StoredResult): StoredResult[] =>
  Array.from({ length: n }, (_, i) => make(i));

describe('result block codec', () => {
  it.each([
    ['nothing', []],
    ['one result at the start of the hour', [ok(HOUR, 1)]],
    // steady interval: delta-of-delta is zero
    ['a steady 30 s series of one-decimal values', series(120, (i) => ok(at(i), Math.round(i * 3.7) / 10, 'CPU busy'))],
    // agent jitter of a few ms, backwards and forwards
    ['jittered times', series(120, (i) => ok(at(i, 30_000, 7), i % 5))],
    // two-decimal values (load), negatives, zero and -0
    ['two decimals, signs and -0', series(60, (i) => ok(at(i), [0.01, -2.57, 0, -0, 13.99][i % 5]!))],
    // values no decimal scale holds: the float bits path
    ['arbitrary floats', series(50, (i) => ok(at(i), Math.PI * i + 1e-9 * i))],
    ['huge and tiny floats', [ok(at(0), 1e300), ok(at(1), -1e-300), ok(at(2), Number.MAX_VALUE), ok(at(3), 5e-324)]],
    // nulls between values, null messages between texts, every status
    [
      'nulls, statuses and a message dictionary',
      series(40, (i) => ({
        t: at(i, 10_000),
        status: (['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const)[Math.floor(i / 10)]!,
        value: i % 4 === 0 ? null : i,
        message: i % 3 === 0 ? null : `msg ${i % 2} ü ✓ 日本 'x' \\ "y"`,
      })),
    ],
    // an empty string is a message, not none
    ['empty messages', [ok(at(0), 1, ''), ok(at(1), 1, null), ok(at(2), 1, '')]],
    // integers beyond 32 bits, and large steps in time
    [
      'large integers and irregular times',
      [ok(HOUR + 5, 2 ** 40), ok(HOUR + 3_000_000, -(2 ** 52)), ok(HOUR + 3_599_999, 7)],
    ],
  ])('round-trips %s exactly', (_name, results) => {
    const block = encodeBlock(results, HOUR);
    const back = decodeBlock(block, HOUR);
    expect(back).toEqual(results);
    back.forEach((r, i) => expect(Object.is(r.value, results[i]!.value)).toBe(true)); // -0 stays -0
  });

  it('keeps a steady hour of one-decimal values and one message in about a byte a result', () => {
    const results = series(120, (i) => ok(at(i), Math.round(500 + Math.sin(i) * 30) / 10, 'CPU busy'));
    expect(encodeBlock(results, HOUR).length).toBeLessThan(240);
  });

  it('refuses a block of a version it does not know', () => {
    const block = encodeBlock([ok(HOUR, 1)], HOUR);
    const raw = Buffer.from(block);
    raw[0] = 0; // raw, not deflated
    raw[1] = 9; // version 9
    expect(() => decodeBlock(raw, HOUR)).toThrow(/version 9/);
  });
});

describe('decimalScale', () => {
  it.each([
    [[1, 2, 3], 0],
    [[1.5, 2], 1],
    [[12.3, 45.6, 0.1], 1],
    [[0.01, 1.99], 2],
    [[1e-6], 6],
    [[Math.PI], null],
    [[-0], null], // -0 * 1 rounds to 0, which is not -0: the float path keeps its sign
  ])('%j needs %s decimals', (values, scale) => {
    expect(decimalScale(values)).toBe(scale);
  });
});

describe('mergeResults', () => {
  it.each([
    ['fresh results fill the gaps, in time order', [ok(at(0), 1), ok(at(2), 3)], [ok(at(1), 2)], [1, 2, 3]],
    // a resend of a compacted result never replaces what was stored first
    ['a resend keeps the stored one', [ok(at(0), 1)], [ok(at(0), 99), ok(at(1), 2)], [1, 2]],
    ['nothing new', [ok(at(0), 1)], [], [1]],
  ])('%s', (_name, existing, fresh, values) => {
    expect(mergeResults(existing, fresh).map((r) => r.value)).toEqual(values);
  });
});
