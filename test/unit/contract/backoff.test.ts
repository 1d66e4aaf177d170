import { describe, expect, it } from 'vitest';
import { backoffDelayMs, createBackoff } from '../../../contract/backoff.ts';

/** The first n delays of a backoff. */
const delays = (backoff: { next(): number }, n: number): number[] => Array.from({ length: n }, () => backoff.next());

describe('createBackoff', () => {
  it.each<[string, number, number[]]>([
    // the top of the jitter range: the ceiling doubles from 500 ms up to the 30 s cap
    ['doubles the ceiling up to the cap', 1, [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]],
    // the middle of the range: half the ceiling, never below half the base
    ['jitters within the ceiling', 0.5, [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000]],
    // the bottom of the range: the floor of half the base
    ['never goes below half the base', 0, [250, 250, 250, 250, 250, 250, 250, 250]],
  ])('%s (random = %d)', (_name, random, expected) => {
    expect(
      delays(
        createBackoff(500, 30_000, () => random),
        8,
      ),
    ).toEqual(expected);
  });

  it('stays at the cap after many attempts', () => {
    const backoff = createBackoff(500, 30_000, () => 1);
    expect(Math.max(...delays(backoff, 2_000))).toBe(30_000);
    expect(backoff.next()).toBe(30_000);
  });

  it('counts attempts and starts over after reset', () => {
    const backoff = createBackoff(100, 10_000, () => 1);
    expect(delays(backoff, 3)).toEqual([100, 200, 400]);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(100);
  });

  it('uses a 500 ms base and a 30 s cap by default', () => {
    const backoff = createBackoff(undefined, undefined, () => 1);
    expect(delays(backoff, 8)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('spreads delays over the jitter range', () => {
    const draws = [0.1, 0.9];
    const backoff = createBackoff(1_000, 60_000, () => draws.shift()!);
    backoff.next();
    expect(backoff.next()).toBe(1_800); // 0.9 of the 2 s ceiling
  });

  it('rounds to whole milliseconds', () => {
    expect(createBackoff(500, 30_000, () => 0.3333).next()).toBe(250);
    expect(createBackoff(1_000, 30_000, () => 0.6667).next()).toBe(667);
  });
});

describe('backoffDelayMs', () => {
  it.each<[string, number, number, number]>([
    // attempt, random, expected
    ['first attempt at the top of the range is the base', 0, 1, 500],
    ['tenth attempt is capped', 10, 1, 30_000],
    ['a huge attempt number stays at the cap, not Infinity', 10_000, 1, 30_000],
    ['the floor is half the base', 3, 0, 250],
  ])('%s', (_name, attempt, random, expected) => {
    expect(backoffDelayMs(attempt, 500, 30_000, () => random)).toBe(expected);
  });

  it('matches the stateful backoff draw for draw', () => {
    const backoff = createBackoff(200, 5_000, () => 0.7);
    for (let attempt = 0; attempt < 10; attempt++)
      expect(backoff.next()).toBe(backoffDelayMs(attempt, 200, 5_000, () => 0.7));
  });
});
