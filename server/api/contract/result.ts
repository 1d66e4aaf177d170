// One observation by an agent, as posted to /api/v1/check_history/.
import Type from 'typebox';

export const Status = Type.Union([
  Type.Literal('OK'),
  Type.Literal('WARNING'),
  Type.Literal('CRITICAL'),
  Type.Literal('UNKNOWN'),
]);
export type Status = Type.Static<typeof Status>;

export const ResultIn = Type.Object(
  {
    id: Type.Optional(
      Type.String({ format: 'uuid', description: 'Client-chosen id; a retried post with the same id is stored once' }),
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
  duplicates: Type.Integer({ description: 'Results already stored by an earlier call (same id)' }),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), error: Type.String(), message: Type.String() }), {
    description: 'Results not stored, e.g. for a check no longer assigned to this agent',
  }),
});
export type IngestReply = Type.Static<typeof IngestReply>;
