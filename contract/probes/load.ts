// `load`: the host's load average, per core or in total.
import Type from 'typebox';
import { Duration } from '../duration-schema.ts';
import { agentCheckOf, defineProbe } from './definition.ts';
import { sustainOf, THRESHOLD_CEL, thresholdProblems, WINDOW_CEL, windowProblems } from './thresholds.ts';

const Load = Type.Number({ minimum: 0, maximum: 100_000 });

export const LoadProbe = Type.Object(
  {
    above: Load,
    warnAbove: Type.Optional(Load),
    per: Type.Optional(
      Type.Union([Type.Literal('core'), Type.Literal('total')], {
        default: 'core',
        description: 'core: the load divided by the number of CPUs, so one threshold fits every host',
      }),
    ),
    average: Type.Optional(
      Type.Union([Type.Literal('1m'), Type.Literal('5m'), Type.Literal('15m')], {
        default: '5m',
        description: 'Which load average: over 1, 5 or 15 minutes',
      }),
    ),
    for: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type LoadProbe = Type.Static<typeof LoadProbe>;
export const LoadCheck = agentCheckOf('load', LoadProbe);

export const loadProbe = defineProbe({
  kind: 'load',
  schema: LoadProbe,
  agentCheck: LoadCheck,
  summary: 'the 1/5/15-minute load average, per core or total; CRITICAL above `above`, WARNING above `warnAbove`',
  cel: [...THRESHOLD_CEL, ...WINDOW_CEL],
  problems: (spec, at) => [...thresholdProblems(spec, at), ...windowProblems(spec, at)],
  withDefaults: (spec) => ({ per: 'core' as const, average: '5m' as const, ...spec }),
  sustainMs: sustainOf,
});
