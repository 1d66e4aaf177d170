// `process`: is a process running, how many of it.
import Type from 'typebox';
import { patternProblem } from '../process-pattern.ts';
import { Text } from '../text.ts';
import { agentCheckOf, defineProbe } from './definition.ts';

export const ProcessProbe = Type.Object(
  {
    name: Type.Optional(
      Text({
        minLength: 1,
        maxLength: 255,
        description: 'Exact process name (comm, or the base name of argv[0])',
      }),
    ),
    pattern: Type.Optional(
      Text({
        minLength: 1,
        maxLength: 1024,
        description:
          'Regular expression (JavaScript syntax) matched against the full command line; it must run in linear time: no backreferences, lookahead or counted repetition past {16}',
      }),
    ),
    minCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 1 })),
    maxCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
  },
  { additionalProperties: false },
);
export type ProcessProbe = Type.Static<typeof ProcessProbe>;
export const ProcessCheck = agentCheckOf('process', ProcessProbe);

export const processProbe = defineProbe({
  kind: 'process',
  schema: ProcessProbe,
  agentCheck: ProcessCheck,
  summary: 'a process by exact name or command-line pattern; CRITICAL outside minCount..maxCount',
  problems(spec, at) {
    const problems = [];
    if ((spec.name === undefined) === (spec.pattern === undefined)) {
      problems.push({ field: at, message: 'set exactly one of name or pattern' });
    }
    const problem = spec.pattern === undefined ? null : patternProblem(spec.pattern);
    if (problem !== null) problems.push({ field: `${at}/pattern`, message: problem });
    if (spec.maxCount !== undefined && spec.maxCount < (spec.minCount ?? 1)) {
      problems.push({ field: `${at}/maxCount`, message: 'maxCount must not be below minCount' });
    }
    return problems;
  },
  cel: [
    { rule: 'has(self.name) != has(self.pattern)', message: 'set exactly one of name or pattern' },
    {
      rule: '!has(self.maxCount) || self.maxCount >= (has(self.minCount) ? self.minCount : 1)',
      message: 'maxCount must not be below minCount',
    },
  ],
  withDefaults: (spec) => ({ minCount: 1, ...spec }),
  sustainMs: () => 0,
});
