import { describe, expect, it } from 'vitest';
import {
  aboveLimits,
  formatBytes,
  formatMs,
  latencyFinding,
  verdictOf,
  type Finding,
  type Verdict,
} from '../../../../agent/probes/verdict.ts';

describe('aboveLimits', () => {
  it.each<[string, number, { above: number; warnAbove?: number }, Verdict]>([
    // under both limits
    ['below warnAbove', 50, { above: 90, warnAbove: 80 }, { status: 'OK', message: 'x' }],
    // limits are exclusive: exactly at a limit is not over it
    ['exactly warnAbove', 80, { above: 90, warnAbove: 80 }, { status: 'OK', message: 'x' }],
    ['exactly above', 90, { above: 90, warnAbove: 80 }, { status: 'WARNING', message: 'x (warning above 80%)' }],
    // over the warning limit
    ['between the limits', 85, { above: 90, warnAbove: 80 }, { status: 'WARNING', message: 'x (warning above 80%)' }],
    // over the critical limit
    ['over above', 90.1, { above: 90, warnAbove: 80 }, { status: 'CRITICAL', message: 'x (critical above 90%)' }],
    // no warning limit: straight from OK to CRITICAL
    ['no warnAbove', 85, { above: 90 }, { status: 'OK', message: 'x' }],
  ])('%s', (_name, value, limits, expected) => {
    expect(aboveLimits(value, limits, 'x', '%')).toEqual(expected);
  });
});

describe('latencyFinding', () => {
  it.each<[string, number, { warnAboveMs?: number; critAboveMs?: number }, Finding | null]>([
    // no limits: latency is only reported
    ['no limits', 5000, {}, null],
    ['under both', 10, { warnAboveMs: 100, critAboveMs: 500 }, null],
    // exclusive, like the percent limits
    ['exactly warnAboveMs', 100, { warnAboveMs: 100 }, null],
    [
      'over warnAboveMs',
      101,
      { warnAboveMs: 100, critAboveMs: 500 },
      { status: 'WARNING', text: 'slower than 100 ms (warning)' },
    ],
    [
      'over critAboveMs',
      501,
      { warnAboveMs: 100, critAboveMs: 500 },
      { status: 'CRITICAL', text: 'slower than 500 ms (critical)' },
    ],
    // a critical limit alone
    ['only critAboveMs', 501, { critAboveMs: 500 }, { status: 'CRITICAL', text: 'slower than 500 ms (critical)' }],
  ])('%s', (_name, ms, limits, expected) => {
    expect(latencyFinding(ms, limits)).toEqual(expected);
  });
});

describe('verdictOf', () => {
  it.each<[string, (Finding | null)[], Verdict]>([
    // nothing found
    ['no findings', [null], { status: 'OK', message: 'HTTP 200' }],
    // an OK finding is told but changes nothing
    ['an OK note', [{ status: 'OK', text: 'note' }], { status: 'OK', message: 'HTTP 200; note' }],
    // the worst one decides, all are told
    [
      'a warning and a critical',
      [
        { status: 'WARNING', text: 'w' },
        { status: 'CRITICAL', text: 'c' },
      ],
      { status: 'CRITICAL', message: 'HTTP 200; w; c' },
    ],
    // a critical before a warning still wins
    [
      'a critical then a warning',
      [{ status: 'CRITICAL', text: 'c' }, null, { status: 'WARNING', text: 'w' }],
      { status: 'CRITICAL', message: 'HTTP 200; c; w' },
    ],
  ])('%s', (_name, findings, expected) => {
    expect(verdictOf('HTTP 200', findings)).toEqual(expected);
  });
});

describe('formatting', () => {
  it.each([
    [0.43, '0.4 ms'],
    [9.96, '10.0 ms'],
    [12.5, '13 ms'],
    [1234.4, '1234 ms'],
  ])('shows %d ms as %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });

  it.each([
    [512 * 1024 ** 2, '512 MiB'],
    [1024 ** 3, '1.0 GiB'],
    [15.55 * 1024 ** 3, '15.6 GiB'],
  ])('shows %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
