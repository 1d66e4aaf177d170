// `cpu`: is the host's CPU pegged, for how long.
import Type from 'typebox';
import { Duration } from '../duration-schema.ts';
import { agentCheckOf, defineProbe } from './definition.ts';
import { Percent, sustainOf, THRESHOLD_CEL, thresholdProblems, WINDOW_CEL, windowProblems } from './thresholds.ts';

export const CpuProbe = Type.Object(
  {
    above: Percent,
    warnAbove: Type.Optional(Percent),
    for: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type CpuProbe = Type.Static<typeof CpuProbe>;
export const CpuCheck = agentCheckOf('cpu', CpuProbe);

export const cpuProbe = defineProbe({
  kind: 'cpu',
  schema: CpuProbe,
  agentCheck: CpuCheck,
  summary: 'busy percent of the whole host; CRITICAL above `above`, WARNING above `warnAbove`, sustained `for`',
  problems: (spec, at) => [...thresholdProblems(spec, at), ...windowProblems(spec, at)],
  cel: [...THRESHOLD_CEL, ...WINDOW_CEL],
  withDefaults: (spec) => spec,
  sustainMs: sustainOf,
});
