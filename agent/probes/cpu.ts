// The `cpu` probe: how busy the whole host was since this check last ran.
// The `for` window is the server's business (it sees the history); this
// probe reports one interval at a time.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { CpuProbe, Status } from '../../contract/index.ts';
import type { CpuCheck, Probe, ProbeOutcome } from './probe.ts';
import { hasProcfs } from './proc-table.ts';

/** Cumulative CPU time since boot, in whatever unit the source counts (ticks or ms). */
export interface CpuTimes {
  readonly total: number;
  /** idle + iowait: time the CPUs had nothing to run. */
  readonly idle: number;
}

/**
 * The aggregate `cpu` line: user nice system idle iowait irq softirq steal
 * guest guest_nice. Guest time is already counted in user/nice, so it is left
 * out; kernels before 2.6.11 lack steal and later columns, which count as 0.
 */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n', 1)[0] ?? '';
  const [label, ...columns] = line.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal: the columns that add up to all time.
  const counts = columns.slice(0, 8).map(Number);
  if (label !== 'cpu' || counts.length < 4 || counts.some((n) => !Number.isFinite(n))) {
    throw new Error(`unexpected first line in /proc/stat: "${line.slice(0, 80)}"`);
  }
  const [, , , idle = 0, iowait = 0] = counts;
  return { total: counts.reduce((sum, n) => sum + n, 0), idle: idle + iowait };
}

/** os.cpus() for hosts without /proc: per-core ms since boot, summed. It has no iowait or steal. */
export function sumCpuTimes(cpus: readonly os.CpuInfo[]): CpuTimes {
  let total = 0;
  let idle = 0;
  for (const { times } of cpus) {
    total += times.user + times.nice + times.sys + times.idle + times.irq;
    idle += times.idle;
  }
  return { total, idle };
}

/**
 * Busy share of the interval between two samples, rounded to 0.1; null when
 * no CPU time passed (two samples within one clock tick). Clamped because
 * iowait is known to step backwards on tickless kernels.
 */
export function busyPercent(prev: CpuTimes, cur: CpuTimes): number | null {
  const total = cur.total - prev.total;
  if (total <= 0) return null;
  const busy = total - (cur.idle - prev.idle);
  const percent = Math.min(100, Math.max(0, (busy / total) * 100));
  return Math.round(percent * 10) / 10;
}

/** Thresholds are exclusive: a host at exactly `above` is not yet over it. */
export function cpuStatus(value: number, spec: CpuProbe): { status: Status; message: string } {
  const busy = `CPU ${value.toFixed(1)}% busy`;
  if (value > spec.above) return { status: 'CRITICAL', message: `${busy} (critical above ${spec.above}%)` };
  if (spec.warnAbove !== undefined && value > spec.warnAbove) {
    return { status: 'WARNING', message: `${busy} (warning above ${spec.warnAbove}%)` };
  }
  return { status: 'OK', message: busy };
}

export type CpuTimesReader = () => CpuTimes;

/**
 * /proc/stat where it exists (it has iowait and steal), the host's under
 * --host-root when that has one; os.cpus() elsewhere.
 * A sync read on purpose: it is one ~1 KB file, ≈ 21 µs CPU per read against
 * ≈ 250 µs for fs.promises.readFile (measured here, Node 24), and a sync read
 * pins the baseline to the moment the probe is built rather than whenever the
 * event loop gets round to it. (What "never block" forbids is spawning, e.g.
 * systeminformation's execSync of `cat /proc/stat`.) Not si.currentLoad()
 * elsewhere: it keeps one process-wide previous sample, so checks could not
 * each measure their own interval, and it reads os.cpus() underneath anyway.
 */
export function defaultCpuTimesReader(procStat = '/proc/stat'): CpuTimesReader {
  if (existsSync(procStat)) return () => parseProcStat(readFileSync(procStat, 'utf8'));
  if (hasProcfs()) return () => parseProcStat(readFileSync('/proc/stat', 'utf8'));
  return () => sumCpuTimes(os.cpus());
}

function readOrNull(readTimes: CpuTimesReader): CpuTimes | null {
  try {
    return readTimes();
  } catch {
    return null;
  }
}

/** How long a check's first run samples for, having no earlier sample of its own. */
export const FIRST_WINDOW_MS = 500;

export function createCpuProbe(
  readTimes: CpuTimesReader = defaultCpuTimesReader(),
  wait: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Probe<CpuCheck> {
  // Per check, so checks with different intervals each measure their own.
  const previous = new Map<string, CpuTimes>();

  async function measure(check: CpuCheck): Promise<ProbeOutcome> {
    let prev = previous.get(check.id) ?? null;
    if (prev === null) {
      // A first run has nothing to compare with: sample a short window (without
      // blocking) rather than report the average since boot or a useless UNKNOWN.
      prev = readOrNull(readTimes);
      await wait(FIRST_WINDOW_MS);
    }
    const cur = readTimes();
    previous.set(check.id, cur);
    const value = prev === null ? null : busyPercent(prev, cur);
    if (value === null) {
      const why = prev === null ? 'no earlier sample yet' : 'no CPU time has passed since the last sample';
      return { status: 'UNKNOWN', value: null, message: `CPU busy unknown: ${why}; next run will measure` };
    }
    return { ...cpuStatus(value, check.cpu), value };
  }

  return { kind: 'cpu', run: measure };
}
