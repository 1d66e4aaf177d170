// What the dashboard reads: whole-system documents shaped for one render
// each, so a page needs one request, not one per check or agent.
import Type from 'typebox';
import { PendingView, StateStatus, Status } from './result.ts';

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

export const OverviewAgent = Type.Object({
  name: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  missing: Type.Boolean(),
  lastSeenAt: NullableTime,
  version: Type.Union([Type.String(), Type.Null()]),
});

export const OverviewState = Type.Object({
  agent: Type.String(),
  status: StateStatus,
  since: Time,
  value: Type.Union([Type.Number(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  lastResultAt: NullableTime,
  pending: PendingView,
});

export const OverviewCheck = Type.Object({
  namespace: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  severity: Type.String(),
  interval: Type.Union([Type.String(), Type.Null()], { description: 'As written in the spec; null = the default' }),
  states: Type.Array(OverviewState, { description: 'One per agent that reported on this check, by agent name' }),
});

export const Overview = Type.Object({
  generatedAt: Time,
  agents: Type.Array(OverviewAgent),
  checks: Type.Array(OverviewCheck),
});
export type Overview = Type.Static<typeof Overview>;

export const TimelineSegment = Type.Object({ status: Status, from: Time, to: Time });
export type TimelineSegment = Type.Static<typeof TimelineSegment>;

export const Timeline = Type.Object({
  from: Time,
  to: Time,
  agents: Type.Array(Type.Object({ agent: Type.String(), segments: Type.Array(TimelineSegment) })),
});
export type Timeline = Type.Static<typeof Timeline>;

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const CpuHistory = Type.Object({
  from: Time,
  to: Time,
  stepSeconds: Type.Integer({ description: 'Width of one bucket; results are averaged (and maxed) per bucket' }),
  t: Type.Array(Type.Number(), { description: 'Bucket starts, Unix seconds, oldest first' }),
  checks: Type.Array(
    Type.Object({
      namespace: Type.String(),
      name: Type.String(),
      above: NullableNumber,
      warnAbove: NullableNumber,
      avg: Type.Array(NullableNumber, { description: 'Busy percent per bucket (null: no result there)' }),
      max: Type.Array(NullableNumber),
    }),
  ),
});
export type CpuHistory = Type.Static<typeof CpuHistory>;

export const HoursQuery = Type.Optional(
  Type.String({ pattern: '^[0-9]{1,3}$', description: 'How far back, in hours: 1-168, default 24' }),
);
