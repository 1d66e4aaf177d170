// The `disk` probe: how full is the filesystem that holds a path, as `df`
// counts it. statfs(2) through node:fs: no `df` to spawn, nothing to parse.
import { statfs, type StatsFs } from 'node:fs';
import { resolve } from 'node:path';
import type { DiskProbe } from '../../contract/index.ts';
import { withDeadline } from './deadline.ts';
import type { CheckOfKind, Probe, ProbeOutcome } from './probe.ts';
import { aboveLimits, formatBytes, roundTo, type Verdict } from './verdict.ts';

export type DiskCheck = CheckOfKind<'disk'>;

export interface DiskUsage {
  usedPercent: number;
  freeBytes: number;
  totalBytes: number;
}

/**
 * df's Use%: used / (used + available to unprivileged users). The blocks
 * reserved for root count neither as used nor as available, so a disk is
 * 100% full when ordinary processes can no longer write (what matters).
 */
export function diskUsage(stats: Pick<StatsFs, 'bsize' | 'blocks' | 'bfree' | 'bavail'>): DiskUsage {
  const used = stats.blocks - stats.bfree;
  const usable = used + stats.bavail;
  return {
    usedPercent: usable > 0 ? roundTo((used / usable) * 100, 1) : 0,
    freeBytes: stats.bavail * stats.bsize,
    totalBytes: stats.blocks * stats.bsize,
  };
}

export function diskVerdict(usage: DiskUsage, spec: DiskProbe): Verdict {
  const text = `${spec.path} ${usage.usedPercent.toFixed(1)}% used (${formatBytes(usage.freeBytes)} free of ${formatBytes(usage.totalBytes)})`;
  return aboveLimits(usage.usedPercent, spec, text, '%');
}

/**
 * Where the agent finds a host path: under `hostRoot` when the host's
 * filesystem is mounted into the agent's container (Kubernetes: hostPath `/`
 * at `/host`), the path itself otherwise.
 */
export function hostPath(hostRoot: string, path: string): string {
  return hostRoot === '/' ? path : resolve(hostRoot, `.${path}`);
}

export type StatFs = (path: string) => Promise<StatsFs>;

const statFs: StatFs = (path) =>
  new Promise((resolve, reject) => statfs(path, (error, stats) => (error ? reject(error) : resolve(stats))));

/** A statfs on a healthy filesystem takes microseconds; one that hangs is on a dead network mount. */
export const STATFS_DEADLINE_MS = 10_000;

export interface DiskProbeOptions {
  /** Where the host's root filesystem is mounted in the agent's view (`/` when it runs on the host). */
  hostRoot?: string;
  stat?: StatFs;
  deadlineMs?: number;
}

export function createDiskProbe(options: DiskProbeOptions = {}): Probe<DiskCheck> {
  const { hostRoot = '/', stat = statFs, deadlineMs = STATFS_DEADLINE_MS } = options;
  // A hung statfs cannot be cancelled and holds a thread of libuv's small pool:
  // while one is pending for a path, later runs report it rather than pile up.
  const pending = new Map<string, number>();

  async function measure(path: string): Promise<DiskUsage> {
    pending.set(path, Date.now());
    const stats = stat(path);
    void stats.finally(() => pending.delete(path)).catch(() => undefined);
    return diskUsage(await withDeadline(deadlineMs, () => stats));
  }

  return {
    kind: 'disk',
    async run(check: DiskCheck): Promise<ProbeOutcome> {
      const path = hostPath(hostRoot, check.disk.path);
      const since = pending.get(path);
      if (since !== undefined) {
        const seconds = Math.round((Date.now() - since) / 1000);
        return { status: 'UNKNOWN', value: null, message: `statfs(${path}) has not returned for ${seconds}s` };
      }
      try {
        const usage = await measure(path);
        return { ...diskVerdict(usage, check.disk), value: usage.usedPercent };
      } catch (error) {
        const message = `cannot measure ${check.disk.path}: ${(error as Error).message}`;
        return { status: 'UNKNOWN', value: null, message };
      }
    },
  };
}
