// `disk`: how full is the filesystem that holds a path.
import Type from 'typebox';
import { storablePattern } from '../text.ts';
import { agentCheckOf, defineProbe } from './definition.ts';
import { Percent, THRESHOLD_CEL, thresholdProblems } from './thresholds.ts';

export const DiskProbe = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      maxLength: 4096,
      pattern: storablePattern('/'),
      description: 'An absolute path on the host; the filesystem holding it is measured',
    }),
    above: Percent,
    warnAbove: Type.Optional(Percent),
  },
  { additionalProperties: false },
);
export type DiskProbe = Type.Static<typeof DiskProbe>;
export const DiskCheck = agentCheckOf('disk', DiskProbe);

export const diskProbe = defineProbe({
  kind: 'disk',
  schema: DiskProbe,
  agentCheck: DiskCheck,
  summary:
    'used percent of the filesystem holding `path` (as df shows it); CRITICAL above `above`, WARNING above `warnAbove`',
  cel: THRESHOLD_CEL,
  problems: (spec, at) => thresholdProblems(spec, at),
  withDefaults: (spec) => spec,
  sustainMs: () => 0,
});
