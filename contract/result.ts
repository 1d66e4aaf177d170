// One observation by an agent, as posted to /api/v1/check_history/.
import Type from 'typebox';

export const Status = Type.Union([
  Type.Literal('OK'),
  Type.Literal('WARNING'),
  Type.Literal('CRITICAL'),
  Type.Literal('UNKNOWN'),
]);
export type Status = Type.Static<typeof Status>;

/** What a (check, agent) pair shows; PENDING is never a result's state. */
export const StateStatus = Type.Union(
  [
    Type.Literal('OK'),
    Type.Literal('WARNING'),
    Type.Literal('CRITICAL'),
    Type.Literal('UNKNOWN'),
    Type.Literal('PENDING'),
  ],
  { description: 'PENDING: no state yet, the first results are a problem still inside its for: window (see pending)' },
);
export type StateStatus = Type.Static<typeof StateStatus>;

/** A problem waiting for its `for:` window: shown, not counted (no mail, not failing) until countsAt. */
export const PendingView = Type.Union(
  [
    Type.Object({
      status: Type.Union([Type.Literal('WARNING'), Type.Literal('CRITICAL')]),
      since: Type.String({ format: 'date-time', description: 'The first result of the run of bad results' }),
      countsAt: Type.String({
        format: 'date-time',
        description: 'When it becomes the state if every result stays bad',
      }),
      message: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ],
  { description: 'The problem the last result shows while its for: window fills; null when none waits' },
);
export type PendingView = Type.Static<typeof PendingView>;

export const ResultIn = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'Accepted and ignored (ADR 10): a result is the same result by check, agent and observedAt, so a retried post is stored once',
      }),
    ),
    check: Type.String({ format: 'uuid', description: 'The check id from the agent config' }),
    status: Status,
    value: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    message: Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()])),
    observedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type ResultIn = Type.Static<typeof ResultIn>;

/** The seed posts one result; agents post arrays. */
export const ResultsIn = Type.Union([ResultIn, Type.Array(ResultIn, { minItems: 1, maxItems: 5000 })]);

export const IngestReply = Type.Object({
  accepted: Type.Integer({ description: 'Results stored by this call' }),
  duplicates: Type.Integer({
    description: 'Results already stored by an earlier call (same check, agent and observedAt)',
  }),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), error: Type.String(), message: Type.String() }), {
    description: 'Results not stored, e.g. for a check no longer assigned to this agent',
  }),
});
export type IngestReply = Type.Static<typeof IngestReply>;
