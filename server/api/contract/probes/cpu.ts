// `cpu`: is the host's CPU pegged, for how long.
import Type from 'typebox';
import { Duration, parseDuration } from '../duration.ts';
import { agentCheckOf, defineProbe } from './definition.ts';

const Percent = Type.Number({ minimum: 0, maximum: 100 });

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
  problems(spec, at) {
    const problems = [];
    if (spec.warnAbove !== undefined && spec.warnAbove >= spec.above) {
      problems.push({ field: `${at}/warnAbove`, message: 'warnAbove must be below above' });
    }
    if (spec.for !== undefined && parseDuration(spec.for) === null) {
      problems.push({ field: `${at}/for`, message: 'for must be a duration such as 5m' });
    }
    return problems;
  },
  withDefaults: (spec) => spec,
  sustainMs: (spec) => (spec.for ? (parseDuration(spec.for) ?? 0) : 0),
});
