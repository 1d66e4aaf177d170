import { describe, expect, it } from 'vitest';
import type { LoadProbe } from '../../../../contract/index.ts';
import { createLoadProbe, loadValue, loadVerdict, readLoad, type LoadSample } from '../../../../agent/probes/load.ts';
import { createCycle } from '../../../../agent/probes/probe.ts';
import { checkOf } from './fixtures.ts';

const sample = (one: number, five: number, fifteen: number, cpus = 4): LoadSample => ({
  averages: [one, five, fifteen],
  cpus,
});

describe('loadValue', () => {
  it.each<[string, LoadSample, Partial<LoadProbe>, number | null]>([
    // the defaults: 5-minute average per CPU
    ['5m per core by default', sample(8, 6, 2), {}, 1.5],
    // each average by name
    ['1m', sample(8, 6, 2), { average: '1m' }, 2],
    ['15m', sample(8, 6, 2), { average: '15m' }, 0.5],
    // the whole host
    ['per total', sample(8, 6, 2), { per: 'total' }, 6],
    // rounded to 0.01
    ['rounded', sample(0, 1, 0, 3), {}, 0.33],
    // a platform without load averages
    ['no averages', { averages: null, cpus: 4 }, {}, null],
  ])('%s', (_name, s, spec, expected) => {
    expect(loadValue(s, { above: 1, ...spec })).toBe(expected);
  });
});

describe('loadVerdict', () => {
  it.each<[string, number, LoadSample, LoadProbe, string, string]>([
    [
      'per core under the limits',
      0.5,
      sample(0, 2, 0),
      { above: 2, warnAbove: 1 },
      'OK',
      'load 0.50 per CPU over 5m (4 CPUs)',
    ],
    [
      'per core over warnAbove',
      1.5,
      sample(0, 6, 0),
      { above: 2, warnAbove: 1 },
      'WARNING',
      'load 1.50 per CPU over 5m (4 CPUs) (warning above 1)',
    ],
    [
      'total over above',
      9,
      sample(9, 0, 0, 1),
      { above: 8, per: 'total', average: '1m' },
      'CRITICAL',
      'load 9.00 over 1m (1 CPU) (critical above 8)',
    ],
  ])('%s', (_name, value, s, spec, status, message) => {
    expect(loadVerdict(value, s, spec)).toEqual({ status, message });
  });
});

describe('load probe', () => {
  it('reports UNKNOWN where the platform has no load average', async () => {
    const probe = createLoadProbe(() => ({ averages: null, cpus: 2 }));
    expect(await probe.run(checkOf('load', { above: 1 }), createCycle())).toEqual({
      status: 'UNKNOWN',
      value: null,
      message: 'this platform has no load average',
    });
  });

  it('reads this machine', async () => {
    expect(readLoad().cpus).toBeGreaterThan(0);
    const outcome = await createLoadProbe().run(checkOf('load', { above: 100_000 }), createCycle());
    expect(outcome).toMatchObject({ status: 'OK', message: expect.stringMatching(/^load \d+\.\d\d per CPU over 5m/) });
    expect(outcome.value).toBeGreaterThanOrEqual(0);
  });
});
