// The `load` probe: the load average (runnable plus uninterruptible tasks),
// per CPU or in total. /proc/loadavg and the CPU count describe the whole
// host, in a container too.
import os from 'node:os';
import type { LoadProbe } from '../../contract/index.ts';
import type { CheckOfKind, Probe, ProbeOutcome } from './probe.ts';
import { aboveLimits, roundTo, type Verdict } from './verdict.ts';

export type LoadCheck = CheckOfKind<'load'>;

export interface LoadSample {
  /** The 1, 5 and 15-minute averages, as os.loadavg() gives them; null where the OS keeps none (Windows). */
  averages: readonly [number, number, number] | null;
  cpus: number;
}

const AVERAGE_INDEX = { '1m': 0, '5m': 1, '15m': 2 } as const;

/** The number the thresholds apply to, rounded to 0.01; null where the OS has no load average. */
export function loadValue(sample: LoadSample, spec: LoadProbe): number | null {
  if (sample.averages === null) return null;
  const load = sample.averages[AVERAGE_INDEX[spec.average ?? '5m']];
  return roundTo((spec.per ?? 'core') === 'core' ? load / Math.max(1, sample.cpus) : load, 2);
}

export function loadVerdict(value: number, sample: LoadSample, spec: LoadProbe): Verdict {
  const average = spec.average ?? '5m';
  const cpus = `${sample.cpus} CPU${sample.cpus === 1 ? '' : 's'}`;
  const text =
    (spec.per ?? 'core') === 'core'
      ? `load ${value.toFixed(2)} per CPU over ${average} (${cpus})`
      : `load ${value.toFixed(2)} over ${average} (${cpus})`;
  return aboveLimits(value, spec, text, '');
}

export type LoadReader = () => LoadSample;

/** os.cpus() counts the host's CPUs, not a container's CPU quota: the load is the host's too. */
export const readLoad: LoadReader = () => ({
  // Windows answers 0, 0, 0: not a quiet host but no figure at all.
  averages: os.platform() === 'win32' ? null : (os.loadavg() as [number, number, number]),
  cpus: os.cpus().length,
});

export function createLoadProbe(read: LoadReader = readLoad): Probe<LoadCheck> {
  return {
    kind: 'load',
    run(check: LoadCheck): Promise<ProbeOutcome> {
      return new Promise((resolve) => {
        const sample = read();
        const value = loadValue(sample, check.load);
        if (value === null) {
          resolve({ status: 'UNKNOWN', value: null, message: 'this platform has no load average' });
          return;
        }
        resolve({ ...loadVerdict(value, sample, check.load), value });
      });
    },
  };
}
