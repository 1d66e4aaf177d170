// The `memory` probe: how much of the host's memory is in use, counted as
// `free` does: what is not available (MemAvailable: free memory plus the page
// cache and slabs the kernel can reclaim without swapping). /proc/meminfo is
// not namespaced, so in a container it still describes the whole host.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { MemoryProbe } from '../../contract/index.ts';
import { hasProcfs } from './proc-table.ts';
import type { CheckOfKind, Probe, ProbeOutcome } from './probe.ts';
import { aboveLimits, formatBytes, roundTo, type Verdict } from './verdict.ts';

export type MemoryCheck = CheckOfKind<'memory'>;

export interface MemorySample {
  totalBytes: number;
  availableBytes: number;
}

/**
 * `MemTotal` and `MemAvailable` (kB). Kernels before 3.14 have no
 * MemAvailable: then free + buffers + page cache, the estimate `free` used.
 */
export function parseMeminfo(text: string): MemorySample {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match) kb.set(match[1]!, Number(match[2]));
  }
  const total = kb.get('MemTotal');
  if (total === undefined || total <= 0) throw new Error('no MemTotal in /proc/meminfo');
  const available =
    kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return { totalBytes: total * 1024, availableBytes: Math.min(available, total) * 1024 };
}

export function usedPercent(sample: MemorySample): number {
  return roundTo(((sample.totalBytes - sample.availableBytes) / sample.totalBytes) * 100, 1);
}

export function memoryVerdict(sample: MemorySample, spec: MemoryProbe): Verdict {
  const used = usedPercent(sample);
  const text = `memory ${used.toFixed(1)}% used (${formatBytes(sample.availableBytes)} available of ${formatBytes(sample.totalBytes)})`;
  return aboveLimits(used, spec, text, '%');
}

export type MemoryReader = () => MemorySample;

/** One small file, read synchronously like /proc/stat in the cpu probe; elsewhere libuv's numbers. */
export function defaultMemoryReader(): MemoryReader {
  if (hasProcfs()) return () => parseMeminfo(readFileSync('/proc/meminfo', 'utf8'));
  return () => ({ totalBytes: os.totalmem(), availableBytes: os.freemem() });
}

export function createMemoryProbe(read: MemoryReader = defaultMemoryReader()): Probe<MemoryCheck> {
  return {
    kind: 'memory',
    run(check: MemoryCheck): Promise<ProbeOutcome> {
      // An executor, so a failed read becomes a rejection (UNKNOWN in runProbe), not a throw.
      return new Promise((resolve) => {
        const sample = read();
        resolve({ ...memoryVerdict(sample, check.memory), value: usedPercent(sample) });
      });
    },
  };
}
