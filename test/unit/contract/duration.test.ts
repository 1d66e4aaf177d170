import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../contract/duration.ts';

describe('parseDuration', () => {
  it.each<[string, number]>([
    // milliseconds
    ['500ms', 500],
    // seconds
    ['30s', 30_000],
    // minutes
    ['5m', 300_000],
    // hours
    ['2h', 7_200_000],
    // days, for retention
    ['7d', 604_800_000],
    // parts add up
    ['1h30m', 5_400_000],
    // "ms" is milliseconds, not minutes followed by something
    ['1m500ms', 60_500],
    // every unit at once
    ['1d1h1m1s1ms', 90_061_001],
    // zero is a duration (callers decide whether it is long enough)
    ['0s', 0],
    // a repeated unit still adds up
    ['1s1s', 2_000],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    // empty
    [''],
    // a bare number has no unit
    ['30'],
    // a unit without a number
    ['s'],
    // fractions are not written this way
    ['1.5h'],
    // spaces between parts
    ['1h 30m'],
    // unknown unit
    ['2w'],
    // units are lower-case
    ['30S'],
    // negative
    ['-5s'],
    // trailing garbage
    ['30s!'],
    // leading garbage
    ['x30s'],
  ])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    // under a second: milliseconds
    [0, '0ms'],
    // the largest millisecond value
    [999, '999ms'],
    // one second
    [1_000, '1s'],
    // seconds are rounded
    [1_499, '1s'],
    // minutes and seconds
    [90_000, '1m30s'],
    // zero parts are left out
    [3_601_000, '1h1s'],
    // a whole day
    [86_400_000, '1d'],
    // every unit
    [90_061_000, '1d1h1m1s'],
    // rounding up carries into the next unit
    [59_999, '1m'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each(['500ms', '30s', '5m', '1h30m', '7d', '1d1h1m1s'])('round-trips %s', (text) => {
    expect(formatDuration(parseDuration(text)!)).toBe(text);
  });
});
