import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir, type CpuInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CpuProbe } from '../../../../contract/index.ts';
import {
  busyPercent,
  cpuStatus,
  createCpuProbe,
  defaultCpuTimesReader,
  FIRST_WINDOW_MS,
  parseProcStat,
  sumCpuTimes,
  type CpuTimes,
  type CpuTimesReader,
} from '../../../../agent/probes/cpu.ts';
import { createCycle } from '../../../../agent/probes/probe.ts';
import { cpuCheck } from './fixtures.ts';

describe('parseProcStat', () => {
  it.each<[string, string, CpuTimes]>([
    // a current kernel: guest and guest_nice are already inside user/nice, so left out
    ['guest columns', 'cpu  3549 0 2345 97890 286 0 39 12 700 5\ncpu0 1 2 3 4\n', { total: 104121, idle: 98176 }],
    // the same counters without guest columns
    ['no guest columns', 'cpu  3549 0 2345 97890 286 0 39 12\n', { total: 104121, idle: 98176 }],
    // before steal existed (2.6.11): 7 columns
    ['no steal column', 'cpu 3549 0 2345 97890 286 0 39\n', { total: 104109, idle: 98176 }],
    // the oldest format: user nice system idle
    ['four columns', 'cpu 10 20 30 40', { total: 100, idle: 40 }],
    // iowait counts as idle
    ['iowait is idle', 'cpu 10 0 10 50 30 0 0 0 0 0', { total: 100, idle: 80 }],
  ])('%s', (_row, text, expected) => {
    expect(parseProcStat(text)).toEqual(expected);
  });

  it.each([
    // not the aggregate line first
    ['cpu0 1 2 3 4\n'],
    // too few columns
    ['cpu 1 2 3\n'],
    // garbage in a column
    ['cpu 1 2 x 4\n'],
    // empty file
    [''],
  ])('rejects %j', (text) => {
    expect(() => parseProcStat(text)).toThrow(/unexpected first line in \/proc\/stat/);
  });
});

describe('busyPercent', () => {
  it.each<[string, CpuTimes, CpuTimes, number | null]>([
    // half of the interval busy
    ['half busy', { total: 100, idle: 50 }, { total: 200, idle: 100 }, 50],
    // all idle
    ['idle', { total: 100, idle: 50 }, { total: 200, idle: 150 }, 0],
    // all busy
    ['saturated', { total: 100, idle: 50 }, { total: 200, idle: 50 }, 100],
    // rounded to 0.1, down
    ['one third', { total: 0, idle: 0 }, { total: 3, idle: 2 }, 33.3],
    // rounded to 0.1, up
    ['two thirds', { total: 0, idle: 0 }, { total: 3, idle: 1 }, 66.7],
    // no time passed: nothing to measure
    ['zero delta', { total: 100, idle: 50 }, { total: 100, idle: 50 }, null],
    // counters went backwards (should not happen): nothing to measure
    ['negative delta', { total: 200, idle: 50 }, { total: 100, idle: 50 }, null],
    // iowait stepped back more than idle grew: clamped to 100
    ['idle went backwards', { total: 100, idle: 60 }, { total: 200, idle: 50 }, 100],
  ])('%s', (_row, prev, cur, expected) => {
    expect(busyPercent(prev, cur)).toBe(expected);
  });
});

describe('cpuStatus', () => {
  const both: CpuProbe = { above: 90, warnAbove: 80 };
  it.each<[number, CpuProbe, string, string]>([
    // well below the warning
    [10, both, 'OK', 'CPU 10.0% busy'],
    // just below the warning
    [79.9, both, 'OK', 'CPU 79.9% busy'],
    // at the warning: thresholds are exclusive
    [80, both, 'OK', 'CPU 80.0% busy'],
    // just above the warning
    [80.1, both, 'WARNING', 'CPU 80.1% busy (warning above 80%)'],
    // at the critical threshold: still a warning
    [90, both, 'WARNING', 'CPU 90.0% busy (warning above 80%)'],
    // just above critical
    [90.1, both, 'CRITICAL', 'CPU 90.1% busy (critical above 90%)'],
    // flat out
    [100, both, 'CRITICAL', 'CPU 100.0% busy (critical above 90%)'],
    // no warnAbove: just below critical
    [89.9, { above: 90 }, 'OK', 'CPU 89.9% busy'],
    // no warnAbove: just above critical
    [90.1, { above: 90 }, 'CRITICAL', 'CPU 90.1% busy (critical above 90%)'],
    // above 0 means any activity
    [0, { above: 0 }, 'OK', 'CPU 0.0% busy'],
    [0.1, { above: 0 }, 'CRITICAL', 'CPU 0.1% busy (critical above 0%)'],
    // warnAbove set above critical: critical wins
    [95, { above: 90, warnAbove: 99 }, 'CRITICAL', 'CPU 95.0% busy (critical above 90%)'],
    // the `for` window is the server's: ignored here
    [95, { above: 90, for: '5m' }, 'CRITICAL', 'CPU 95.0% busy (critical above 90%)'],
  ])('%d%% with %j → %s', (value, spec, status, message) => {
    expect(cpuStatus(value, spec)).toEqual({ status, message });
  });
});

describe('sumCpuTimes', () => {
  it('adds every core, with idle apart', () => {
    const core = (user: number, idle: number): CpuInfo => ({
      model: 'x',
      speed: 1,
      times: { user, nice: 1, sys: 2, idle, irq: 3 },
    });
    expect(sumCpuTimes([core(10, 100), core(20, 200)])).toEqual({ total: 342, idle: 300 });
  });
});

/** Hands out the given samples in order, one per read; an Error is thrown as a failed read. */
function samples(...times: (CpuTimes | Error)[]): CpuTimesReader & { reads: number } {
  const reader = Object.assign(
    (): CpuTimes => {
      const next = times[reader.reads++];
      if (next === undefined) throw new Error('test read more samples than it provided');
      if (next instanceof Error) throw next;
      return next;
    },
    { reads: 0 },
  );
  return reader;
}

describe('cpu probe', () => {
  const spec: CpuProbe = { above: 90, warnAbove: 80 };
  const waits: number[] = [];
  const wait = (ms: number): Promise<void> => {
    waits.push(ms);
    return Promise.resolve();
  };

  it('reads nothing until a check runs', () => {
    const reader = samples({ total: 0, idle: 0 });
    createCpuProbe(reader, wait);
    expect(reader.reads).toBe(0);
  });

  it('measures a check’s first run over a short window of its own, not since boot', async () => {
    waits.length = 0;
    const probe = createCpuProbe(samples({ total: 1000, idle: 1000 }, { total: 1100, idle: 1015 }), wait);
    expect(await probe.run(cpuCheck(spec), createCycle())).toEqual({
      status: 'WARNING',
      value: 85,
      message: 'CPU 85.0% busy (warning above 80%)',
    });
    expect(waits).toEqual([FIRST_WINDOW_MS]);
  });

  it('keeps one previous sample per check, and waits only on first runs', async () => {
    waits.length = 0;
    const probe = createCpuProbe(
      samples(
        { total: 0, idle: 0 }, // a, 1st: window start
        { total: 100, idle: 50 }, // a, 1st: 50%
        { total: 100, idle: 50 }, // b, 1st: window start
        { total: 200, idle: 100 }, // b, 1st: 50%
        { total: 300, idle: 50 }, // a, 2nd: 100% since a's 1st
        { total: 400, idle: 150 }, // b, 2nd: 75% since b's 1st
      ),
      wait,
    );
    const a = cpuCheck(spec, 'a');
    const b = cpuCheck(spec, 'b');
    const values = [];
    for (const check of [a, b, a, b]) values.push((await probe.run(check, createCycle())).value);
    expect(values).toEqual([50, 50, 100, 75]);
    expect(waits).toHaveLength(2);
  });

  it('is UNKNOWN when no CPU time passed since the last sample', async () => {
    const probe = createCpuProbe(samples({ total: 5, idle: 5 }, { total: 5, idle: 5 }), wait);
    expect(await probe.run(cpuCheck(spec), createCycle())).toMatchObject({ status: 'UNKNOWN', value: null });
  });

  it('is UNKNOWN on the first run when the window could not start, then measures', async () => {
    const probe = createCpuProbe(
      samples(new Error('EACCES'), { total: 100, idle: 100 }, { total: 200, idle: 100 }),
      wait,
    );
    const check = cpuCheck(spec);
    expect(await probe.run(check, createCycle())).toMatchObject({ status: 'UNKNOWN', value: null });
    expect(await probe.run(check, createCycle())).toMatchObject({ status: 'CRITICAL', value: 100 });
  });
});

describe('defaultCpuTimesReader', () => {
  it("reads the /proc/stat it is given (the host-root one), else this machine's", () => {
    const dir = mkdtempSync(join(tmpdir(), 'vilicus-cpu-'));
    try {
      const file = join(dir, 'stat');
      writeFileSync(file, 'cpu  10 0 5 80 5 0 0 0 0 0\ncpu0 10 0 5 80 5 0 0 0 0 0\n');
      expect(defaultCpuTimesReader(file)()).toEqual({ total: 100, idle: 85 });
      expect(defaultCpuTimesReader(join(dir, 'none'))().total).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cpu probe against this machine', () => {
  it('counts at least the CPU time this process spent between two runs', async () => {
    const probe = createCpuProbe();
    const check = cpuCheck({ above: 100 });
    const first = await probe.run(check, createCycle());
    expect(first.value).toBeGreaterThanOrEqual(0);
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    for (const end = Date.now() + 200; Date.now() < end;);
    const outcome = await probe.run(check, createCycle());
    const wallMs = performance.now() - wallBefore;
    const used = process.cpuUsage(cpuBefore);
    const usedMs = (used.user + used.system) / 1000;
    // The host was at least as busy as this process: its CPU time over every
    // core's time (/proc/stat's aggregate line), less one 10 ms tick of
    // rounding per core on each side. However busy the machine, this holds.
    const cores = os.cpus().length;
    const floor = ((usedMs - 10 * cores) / (wallMs * cores + 10 * cores)) * 100;
    expect(outcome.status).toBe('OK');
    expect(outcome.value).toBeGreaterThanOrEqual(Math.round(floor * 10) / 10);
    expect(outcome.value).toBeLessThanOrEqual(100);
  });
});
