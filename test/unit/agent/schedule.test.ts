import { describe, expect, it } from 'vitest';
import { dueChecks, MAX_TIMER_MS, msUntilNext, timerDelay, type Scheduled } from '../../../agent/schedule.ts';

const NOW = 1_000_000;
const every = (id: string, intervalSeconds: number): Scheduled => ({ id, intervalSeconds });

describe('dueChecks', () => {
  it.each<[string, number | undefined, boolean]>([
    // never run: new or just assigned
    ['is due at once when it never ran', undefined, true],
    // a whole interval ago
    ['is due when exactly one interval has passed', NOW - 30_000, true],
    // long ago
    ['is due when more than an interval has passed', NOW - 95_000, true],
    // within the 50 ms slack for timer drift
    ['is due 50 ms early (timer drift)', NOW - 29_950, true],
    // just outside the slack
    ['is not due 51 ms early', NOW - 29_949, false],
    // ran a moment ago
    ['is not due right after it ran', NOW, false],
  ])('a 30s check %s', (_name, last, due) => {
    const lastRun = new Map(last === undefined ? [] : [['c', last]]);
    expect(dueChecks([every('c', 30)], lastRun, NOW).map((c) => c.id)).toEqual(due ? ['c'] : []);
  });

  it('returns only the due checks, in their order, as the same objects', () => {
    const checks = [every('fast', 10), every('slow', 300), every('new', 60), every('mid', 60)];
    const lastRun = new Map([
      ['fast', NOW - 10_000],
      ['slow', NOW - 10_000],
      ['mid', NOW - 60_000],
    ]);
    const due = dueChecks(checks, lastRun, NOW);
    expect(due.map((c) => c.id)).toEqual(['fast', 'new', 'mid']);
    expect(due[0]).toBe(checks[0]);
  });

  it('returns nothing for no checks', () => {
    expect(dueChecks([], new Map(), NOW)).toEqual([]);
  });
});

describe('msUntilNext', () => {
  it.each<[string, Scheduled[], [string, number][], number]>([
    // nothing to run: wait the idle time
    ['waits the idle time when there are no checks', [], [], 5_000],
    // a check that never ran is due now
    ['is 0 when a check never ran', [every('a', 30), every('b', 30)], [['a', NOW]], 0],
    // overdue is not negative
    ['is 0, not negative, when a check is overdue', [every('a', 30)], [['a', NOW - 60_000]], 0],
    // the rest of the interval
    ['is the rest of the interval after a run', [every('a', 30)], [['a', NOW - 10_000]], 20_000],
    // the soonest of several
    [
      'is the time to the soonest check',
      [every('a', 30), every('b', 10), every('c', 300)],
      [
        ['a', NOW - 5_000],
        ['b', NOW - 3_000],
        ['c', NOW],
      ],
      7_000,
    ],
    // the idle time does not cap a long wait when checks exist
    ['ignores the idle time when checks exist', [every('a', 60)], [['a', NOW]], 60_000],
    // an interval no number holds (an older server): never due, so the idle wait
    ['waits the idle time for an interval that is not a number', [every('a', NaN)], [['a', NOW]], 5_000],
    ['waits the idle time for an infinite interval', [every('a', Infinity)], [], 5_000],
  ])('%s', (_name, checks, lastRun, expected) => {
    expect(msUntilNext(checks, new Map(lastRun), NOW, 5_000)).toBe(expected);
  });
});

describe('timerDelay', () => {
  it.each<[string, number, number]>([
    // an ordinary wait is kept
    ['keeps a delay within the limits', 20_000, 20_000],
    // the agent's floor between cycles
    ['raises a delay below the floor', 10, 50],
    ['raises a negative delay to the floor', -5_000, 50],
    // past setTimeout's limit Node fires after 1 ms: a 720h interval made the agent spin
    ['caps a 720h wait at the timer limit', 720 * 3_600_000, MAX_TIMER_MS],
    ['caps an infinite wait at the timer limit', Infinity, MAX_TIMER_MS],
    ['turns NaN into the longest wait, not a spin', NaN, MAX_TIMER_MS],
  ])('%s', (_name, ms, expected) => {
    expect(timerDelay(ms, 50)).toBe(expected);
  });

  it('is exactly the largest delay setTimeout keeps (2^31 - 1 ms)', () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });
});
