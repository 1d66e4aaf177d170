// Fields and rules several probe kinds share: a number compared with
// `above`/`warnAbove` (perhaps sustained `for` a window), and the network
// kinds' timeout and latency thresholds. Written once so every kind words
// its problems the same way.
import Type from 'typebox';
import { DURATION_PATTERN, MAX_WINDOW_MS, parseDuration } from '../duration.ts';
import type { SpecProblem } from './definition.ts';

export const Percent = Type.Number({ minimum: 0, maximum: 100 });

/** The longest a network probe may wait: past this, the endpoint is down for any practical purpose. */
export const MAX_TIMEOUT_MS = 60_000;
export const DEFAULT_TIMEOUT = '5s';

export const Timeout = Type.String({
  pattern: DURATION_PATTERN,
  maxLength: 32,
  default: DEFAULT_TIMEOUT,
  description: 'How long to wait for the whole probe (DNS, connect, and for http the reply); at most 60s',
});

const Milliseconds = Type.Number({ minimum: 0, maximum: MAX_TIMEOUT_MS });

/** Latency thresholds of the network kinds: WARNING / CRITICAL when slower than this many ms. */
export const LatencyFields = {
  warnAboveMs: Type.Optional(Milliseconds),
  critAboveMs: Type.Optional(Milliseconds),
};

interface Thresholds {
  above: number;
  warnAbove?: number | undefined;
}

/** `warnAbove` must leave room below `above`, or the WARNING state could never be seen. */
export function thresholdProblems(spec: Thresholds, at: string): SpecProblem[] {
  if (spec.warnAbove !== undefined && spec.warnAbove >= spec.above) {
    return [{ field: `${at}/warnAbove`, message: 'warnAbove must be below above' }];
  }
  return [];
}

const MAX_WINDOW = `${MAX_WINDOW_MS / 3_600_000}h`; // in units the duration pattern takes (no `d`)
const WINDOW_MESSAGE = `for must be a duration of at most ${MAX_WINDOW}, such as 5m`;

/** The pattern is the schema's too (for callers that skip it); the bound is only here and in WINDOW_CEL. */
export function windowProblems(spec: { for?: string | undefined }, at: string): SpecProblem[] {
  const window = spec.for === undefined ? 0 : parseDuration(spec.for);
  if (window === null || window > MAX_WINDOW_MS) return [{ field: `${at}/for`, message: WINDOW_MESSAGE }];
  return [];
}

export function sustainOf(spec: { for?: string | undefined }): number {
  return spec.for ? (parseDuration(spec.for) ?? 0) : 0;
}

interface NetworkFields {
  timeout?: string | undefined;
  warnAboveMs?: number | undefined;
  critAboveMs?: number | undefined;
}

const TIMEOUT_MESSAGE = 'timeout must be a duration above 0 and at most 60s';

export function networkProblems(spec: NetworkFields, at: string): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const timeout = parseDuration(spec.timeout ?? DEFAULT_TIMEOUT);
  if (timeout === null || timeout <= 0 || timeout > MAX_TIMEOUT_MS) {
    problems.push({ field: `${at}/timeout`, message: TIMEOUT_MESSAGE });
  }
  if (spec.warnAboveMs !== undefined && spec.critAboveMs !== undefined && spec.warnAboveMs >= spec.critAboveMs) {
    problems.push({ field: `${at}/warnAboveMs`, message: 'warnAboveMs must be below critAboveMs' });
  }
  return problems;
}

/** The CRD's CEL forms of the rules above (the API server checks these before the server sees them). */
export const THRESHOLD_CEL = [
  { rule: '!has(self.warnAbove) || self.warnAbove < self.above', message: 'warnAbove must be below above' },
] as const;
export const WINDOW_CEL = [
  { rule: `!has(self.for) || duration(self.for) <= duration('${MAX_WINDOW}')`, message: WINDOW_MESSAGE },
] as const;
export const LATENCY_CEL = [
  {
    rule: '!has(self.warnAboveMs) || !has(self.critAboveMs) || self.warnAboveMs < self.critAboveMs',
    message: 'warnAboveMs must be below critAboveMs',
  },
  {
    rule: `!has(self.timeout) || (duration(self.timeout) > duration('0s') && duration(self.timeout) <= duration('${MAX_TIMEOUT_MS / 1000}s'))`,
    message: TIMEOUT_MESSAGE,
  },
] as const;
