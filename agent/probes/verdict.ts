// How a measured number becomes a state, the same way for every probe kind:
// thresholds are exclusive (exactly `above` is not yet over it), and the
// message carries the limit that was crossed so nobody has to open the config.
import type { Status } from '../../contract/index.ts';

export interface Verdict {
  status: Status;
  message: string;
}

/** One thing a probe found wrong (or worth saying), with the state it calls for. */
export interface Finding {
  status: Status;
  text: string;
}

const SEVERITY: Record<Status, number> = { OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3 };

/** The worst finding decides the state; every finding is told, after the summary. */
export function verdictOf(summary: string, findings: readonly (Finding | null)[]): Verdict {
  let status: Status = 'OK';
  const texts = [summary];
  for (const finding of findings) {
    if (finding === null) continue;
    if (SEVERITY[finding.status] > SEVERITY[status]) status = finding.status;
    texts.push(finding.text);
  }
  return { status, message: texts.join('; ') };
}

export interface Limits {
  above: number;
  warnAbove?: number | undefined;
}

/** `text` describes the value; the crossed limit is added in parentheses. */
export function aboveLimits(value: number, limits: Limits, text: string, unit: string): Verdict {
  if (value > limits.above) return { status: 'CRITICAL', message: `${text} (critical above ${limits.above}${unit})` };
  if (limits.warnAbove !== undefined && value > limits.warnAbove) {
    return { status: 'WARNING', message: `${text} (warning above ${limits.warnAbove}${unit})` };
  }
  return { status: 'OK', message: text };
}

export interface LatencyLimits {
  warnAboveMs?: number | undefined;
  critAboveMs?: number | undefined;
}

/** The network kinds' optional latency limits; null when none is crossed. */
export function latencyFinding(ms: number, limits: LatencyLimits): Finding | null {
  if (limits.critAboveMs !== undefined && ms > limits.critAboveMs) {
    return { status: 'CRITICAL', text: `slower than ${limits.critAboveMs} ms (critical)` };
  }
  if (limits.warnAboveMs !== undefined && ms > limits.warnAboveMs) {
    return { status: 'WARNING', text: `slower than ${limits.warnAboveMs} ms (warning)` };
  }
  return null;
}

/** 0.1 ms resolution below 10 ms, whole ms above: enough for people, stable for tests. */
export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

const GIB = 1024 ** 3;

/** Bytes for people: GiB with one decimal above 1 GiB, MiB below. */
export function formatBytes(bytes: number): string {
  return bytes >= GIB ? `${(bytes / GIB).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}
