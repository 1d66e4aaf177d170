import type { StatsFs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDiskProbe, diskUsage, diskVerdict, hostPath, type DiskUsage } from '../../../../agent/probes/disk.ts';
import { createCycle } from '../../../../agent/probes/probe.ts';
import { checkOf } from './fixtures.ts';

const blocks = (total: number, free: number, available: number) => ({
  bsize: 4096,
  blocks: total,
  bfree: free,
  bavail: available,
});

describe('diskUsage', () => {
  it.each<[string, ReturnType<typeof blocks>, number]>([
    // empty
    ['an empty filesystem', blocks(1000, 1000, 1000), 0],
    // as df: 600 used of 600 + 400 available
    ['no reserved blocks', blocks(1000, 400, 400), 60],
    // 5% reserved for root counts neither as used nor as available
    ['reserved blocks', blocks(1000, 450, 400), 57.9],
    // only the reserve left: full for everyone else
    ['only the reserve left', blocks(1000, 50, 0), 100],
    // pseudo filesystems have no blocks at all
    ['no blocks', blocks(0, 0, 0), 0],
  ])('%s', (_name, stats, usedPercent) => {
    expect(diskUsage(stats).usedPercent).toBe(usedPercent);
  });

  it('counts free space as what ordinary users may still write', () => {
    expect(diskUsage(blocks(1000, 450, 400))).toEqual({
      usedPercent: 57.9,
      freeBytes: 400 * 4096,
      totalBytes: 1000 * 4096,
    });
  });
});

describe('diskVerdict', () => {
  const usage = (usedPercent: number): DiskUsage => ({
    usedPercent,
    freeBytes: 2 * 1024 ** 3,
    totalBytes: 20 * 1024 ** 3,
  });
  it.each<[number, string, string]>([
    [50, 'OK', '/var 50.0% used (2.0 GiB free of 20.0 GiB)'],
    [85, 'WARNING', '/var 85.0% used (2.0 GiB free of 20.0 GiB) (warning above 80%)'],
    [90.5, 'CRITICAL', '/var 90.5% used (2.0 GiB free of 20.0 GiB) (critical above 90%)'],
  ])('%d%% used is %s', (used, status, message) => {
    expect(diskVerdict(usage(used), { path: '/var', above: 90, warnAbove: 80 })).toEqual({ status, message });
  });
});

describe('hostPath', () => {
  it.each([
    // on the host itself
    ['/', '/var/lib', '/var/lib'],
    // in a container with the host's / mounted at /host
    ['/host', '/var/lib', '/host/var/lib'],
    ['/host', '/', '/host'],
    ['/host/', '/data', '/host/data'],
  ])('under %s finds %s at %s', (root, path, expected) => {
    expect(hostPath(root, path)).toBe(expected);
  });
});

describe('disk probe', () => {
  const stats = blocks(1000, 400, 400) as StatsFs;

  it('measures the path under the host root', async () => {
    const seen: string[] = [];
    const probe = createDiskProbe({ hostRoot: '/host', stat: (path) => (seen.push(path), Promise.resolve(stats)) });
    const outcome = await probe.run(checkOf('disk', { path: '/var', above: 90 }), createCycle());
    expect(seen).toEqual(['/host/var']);
    expect(outcome).toMatchObject({ status: 'OK', value: 60 });
  });

  it('reports a path it cannot measure as UNKNOWN', async () => {
    const probe = createDiskProbe({
      stat: () => Promise.reject(new Error("ENOENT: no such file or directory, statfs '/nope'")),
    });
    expect(await probe.run(checkOf('disk', { path: '/nope', above: 90 }), createCycle())).toEqual({
      status: 'UNKNOWN',
      value: null,
      message: "cannot measure /nope: ENOENT: no such file or directory, statfs '/nope'",
    });
  });

  it('gives up on a hung statfs and does not start another while it hangs', async () => {
    let calls = 0;
    let release: (s: StatsFs) => void = () => undefined;
    const hung = new Promise<StatsFs>((resolve) => (release = resolve));
    const probe = createDiskProbe({ stat: () => (calls++, hung), deadlineMs: 50 });
    const check = checkOf('disk', { path: '/mnt/nfs', above: 90 });
    expect(await probe.run(check, createCycle())).toEqual({
      status: 'UNKNOWN',
      value: null,
      message: 'cannot measure /mnt/nfs: no answer within 50ms',
    });
    expect(await probe.run(check, createCycle())).toMatchObject({
      status: 'UNKNOWN',
      message: expect.stringMatching(/^statfs\(\/mnt\/nfs\) has not returned for \d+s$/),
    });
    expect(calls).toBe(1);
    // once the mount answers again, so does the probe
    release(stats);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await probe.run(check, createCycle())).toMatchObject({ status: 'OK', value: 60 });
  });
});
