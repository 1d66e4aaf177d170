// What the JSON Schema cannot say about a Check, and the defaults it gets.
// Type-only import: the wire contract's types are erased at run time.
import type { CheckSpec, ProbeKind } from '../api/contract/index.ts';
import { parseDuration } from './duration.ts';
import type { Severity } from './status.ts';

export interface SpecProblem {
  /** JSON pointer into the Check document, e.g. `/spec/process/pattern`. */
  field: string;
  message: string;
}

/** A check as the server runs it: one probe kind, durations in numbers. */
export interface NormalizedCheck {
  kind: ProbeKind;
  intervalSeconds: number;
  sustainMs: number;
  severity: Severity;
  matchLabels: Record<string, string>;
}

export const DEFAULT_INTERVAL = '30s';
const KINDS: readonly ProbeKind[] = ['process', 'cpu'];

/** Every problem with a spec (empty when it is valid). */
export function specProblems(spec: CheckSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const kinds = KINDS.filter((kind) => spec[kind] !== undefined);
  if (kinds.length !== 1) {
    problems.push({ field: '/spec', message: `exactly one probe kind is required (one of ${KINDS.join(', ')})` });
  }
  const interval = parseDuration(spec.interval ?? DEFAULT_INTERVAL);
  if (interval === null || interval < 1000) {
    problems.push({ field: '/spec/interval', message: 'interval must be a duration of at least 1s' });
  }
  if (spec.process) problems.push(...processProblems(spec.process));
  if (spec.cpu) problems.push(...cpuProblems(spec.cpu));
  return problems;
}

function processProblems(probe: NonNullable<CheckSpec['process']>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if ((probe.name === undefined) === (probe.pattern === undefined)) {
    problems.push({ field: '/spec/process', message: 'set exactly one of name or pattern' });
  }
  if (probe.pattern !== undefined) {
    try {
      new RegExp(probe.pattern);
    } catch (error) {
      problems.push({ field: '/spec/process/pattern', message: `not a valid regular expression: ${String(error)}` });
    }
  }
  if (probe.maxCount !== undefined && probe.maxCount < (probe.minCount ?? 1)) {
    problems.push({ field: '/spec/process/maxCount', message: 'maxCount must not be below minCount' });
  }
  return problems;
}

function cpuProblems(probe: NonNullable<CheckSpec['cpu']>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (probe.warnAbove !== undefined && probe.warnAbove >= probe.above) {
    problems.push({ field: '/spec/cpu/warnAbove', message: 'warnAbove must be below above' });
  }
  if (probe.for !== undefined && parseDuration(probe.for) === null) {
    problems.push({ field: '/spec/cpu/for', message: 'for must be a duration such as 5m' });
  }
  return problems;
}

/** The numbers the server runs on. Call only on a spec without problems. */
export function normalizeSpec(spec: CheckSpec): NormalizedCheck {
  const kind = KINDS.find((k) => spec[k] !== undefined) ?? 'process';
  const sustain = spec.cpu?.for;
  return {
    kind,
    intervalSeconds: (parseDuration(spec.interval ?? DEFAULT_INTERVAL) ?? 30_000) / 1000,
    sustainMs: sustain ? (parseDuration(sustain) ?? 0) : 0,
    severity: spec.severity ?? 'critical',
    matchLabels: spec.nodeSelector?.matchLabels ?? {},
  };
}
