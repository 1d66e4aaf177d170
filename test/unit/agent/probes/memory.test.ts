import { describe, expect, it } from 'vitest';
import {
  createMemoryProbe,
  defaultMemoryReader,
  memoryVerdict,
  parseMeminfo,
  usedPercent,
  type MemorySample,
} from '../../../../agent/probes/memory.ts';
import { createCycle, createProbes, runProbe } from '../../../../agent/probes/index.ts';
import { checkOf } from './fixtures.ts';

const GIB_KB = 1024 * 1024;

describe('parseMeminfo', () => {
  it.each<[string, string, MemorySample]>([
    // a current kernel: MemAvailable is what free's "available" column shows
    [
      'MemAvailable',
      'MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    6000000 kB\nBuffers:  100 kB\nCached: 200 kB\n',
      { totalBytes: 16000000 * 1024, availableBytes: 6000000 * 1024 },
    ],
    // before 3.14: free + buffers + cache
    [
      'no MemAvailable',
      'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n',
      { totalBytes: 1000 * 1024, availableBytes: 400 * 1024 },
    ],
    // never more available than there is
    [
      'available above total',
      'MemTotal: 1000 kB\nMemAvailable: 1200 kB\n',
      { totalBytes: 1000 * 1024, availableBytes: 1000 * 1024 },
    ],
  ])('reads %s', (_name, text, expected) => {
    expect(parseMeminfo(text)).toEqual(expected);
  });

  it('throws on a file without MemTotal', () => {
    expect(() => parseMeminfo('MemFree: 1 kB\n')).toThrow('no MemTotal in /proc/meminfo');
  });
});

describe('memoryVerdict', () => {
  const sample = (usedGib: number, totalGib = 16): MemorySample => ({
    totalBytes: totalGib * GIB_KB * 1024,
    availableBytes: (totalGib - usedGib) * GIB_KB * 1024,
  });

  it.each<[string, MemorySample, { above: number; warnAbove?: number }, string, string]>([
    // half used
    [
      'under the limits',
      sample(8),
      { above: 90, warnAbove: 80 },
      'OK',
      'memory 50.0% used (8.0 GiB available of 16.0 GiB)',
    ],
    // 85% used
    [
      'over warnAbove',
      sample(13.6),
      { above: 90, warnAbove: 80 },
      'WARNING',
      'memory 85.0% used (2.4 GiB available of 16.0 GiB) (warning above 80%)',
    ],
    // 95% used
    [
      'over above',
      sample(15.2),
      { above: 90, warnAbove: 80 },
      'CRITICAL',
      'memory 95.0% used (819 MiB available of 16.0 GiB) (critical above 90%)',
    ],
  ])('%s', (_name, s, spec, status, message) => {
    expect(memoryVerdict(s, spec)).toEqual({ status, message });
  });

  it.each<[string, MemorySample, number]>([
    ['half used', sample(8), 50],
    ['85% used', sample(13.6), 85],
    ['95% used', sample(15.2), 95],
    // a third, rounded to 0.1 as the value the server stores
    ['a third used', { totalBytes: 3, availableBytes: 2 }, 33.3],
    ['nothing available', { totalBytes: 10, availableBytes: 0 }, 100],
  ])('usedPercent of %s is %d', (_name, s, percent) => {
    expect(usedPercent(s)).toBe(percent);
  });
});

describe('memory probe', () => {
  it('reports used percent as its value', async () => {
    const probe = createMemoryProbe(() => ({ totalBytes: 1000, availableBytes: 250 }));
    expect(await probe.run(checkOf('memory', { above: 90 }), createCycle())).toMatchObject({
      status: 'OK',
      value: 75,
    });
  });

  it('turns an unreadable /proc/meminfo into UNKNOWN', async () => {
    const probe = createMemoryProbe(() => {
      throw new Error('EACCES');
    });
    const probes = { ...createProbes(), memory: probe };
    expect(await runProbe(checkOf('memory', { above: 90 }), createCycle(), probes)).toEqual({
      status: 'UNKNOWN',
      value: null,
      message: 'memory probe failed: EACCES',
    });
  });

  it('reads this machine', () => {
    const { totalBytes, availableBytes } = defaultMemoryReader()();
    expect(totalBytes).toBeGreaterThan(64 * 1024 ** 2);
    expect(availableBytes).toBeGreaterThan(0);
    expect(availableBytes).toBeLessThanOrEqual(totalBytes);
  });
});
