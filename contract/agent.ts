// The agent as the API shows it, and the config document it polls.
import Type from 'typebox';
import { LabelMap, Text } from './text.ts';
import { AgentCheck } from './probes/index.ts';

export const AgentName = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$',
});

export const AgentView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  missing: Type.Boolean(),
  version: Type.Union([Type.String(), Type.Null()]),
});
export type AgentView = Type.Static<typeof AgentView>;

export const AgentCreate = Type.Object(
  { name: AgentName, labels: Type.Optional(LabelMap(64)) },
  { additionalProperties: false },
);
export type AgentCreate = Type.Static<typeof AgentCreate>;

export const AgentCreated = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  token: Type.String({ description: 'Shown once; the server keeps only its hash' }),
});
export type AgentCreated = Type.Static<typeof AgentCreated>;

export const CheckOut = Type.Object(
  {
    version: Type.Optional(Text({ maxLength: 64 })),
    hostname: Type.Optional(Text({ maxLength: 253 })),
  },
  { additionalProperties: false },
);
export type CheckOut = Type.Static<typeof CheckOut>;

export const AgentConfig = Type.Object({
  agent: AgentView,
  checks: Type.Array(AgentCheck),
});
export type AgentConfig = Type.Static<typeof AgentConfig>;
