// `memory`: how much of the host's memory is in use (MemAvailable-based, as `free` shows it).
import Type from 'typebox';
import { Duration } from '../duration-schema.ts';
import { agentCheckOf, defineProbe } from './definition.ts';
import { Percent, sustainOf, THRESHOLD_CEL, thresholdProblems, WINDOW_CEL, windowProblems } from './thresholds.ts';

export const MemoryProbe = Type.Object(
  {
    above: Percent,
    warnAbove: Type.Optional(Percent),
    for: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type MemoryProbe = Type.Static<typeof MemoryProbe>;
export const MemoryCheck = agentCheckOf('memory', MemoryProbe);

export const memoryProbe = defineProbe({
  kind: 'memory',
  schema: MemoryProbe,
  agentCheck: MemoryCheck,
  summary: 'used memory percent of the host; CRITICAL above `above`, WARNING above `warnAbove`, sustained `for`',
  cel: [...THRESHOLD_CEL, ...WINDOW_CEL],
  problems: (spec, at) => [...thresholdProblems(spec, at), ...windowProblems(spec, at)],
  withDefaults: (spec) => spec,
  sustainMs: sustainOf,
});
