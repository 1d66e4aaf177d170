// Silences, notifications and open alerts on the wire.
import Type from 'typebox';
import { LabelMap, Text } from './text.ts';
import { Duration } from './duration-schema.ts';
import { Status } from './result.ts';

export const SilenceMatchers = Type.Object(
  {
    check: Type.Optional(Text({ minLength: 1, maxLength: 253 })),
    namespace: Type.Optional(Text({ minLength: 1, maxLength: 63 })),
    agent: Type.Optional(Text({ minLength: 1, maxLength: 253 })),
    labels: Type.Optional(LabelMap(32)),
  },
  { additionalProperties: false, minProperties: 1, description: 'Every matcher given must match' },
);

export const SilenceCreate = Type.Object(
  {
    matchers: SilenceMatchers,
    startsAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
    endsAt: Type.Optional(Type.String({ format: 'date-time' })),
    duration: Type.Optional(Duration),
    comment: Text({ minLength: 1, maxLength: 1024 }),
    createdBy: Type.Optional(Text({ maxLength: 253 })),
  },
  { additionalProperties: false, description: 'Give endsAt or duration' },
);
export type SilenceCreate = Type.Static<typeof SilenceCreate>;

export const SilenceView = Type.Object({
  id: Type.String(),
  matchers: SilenceMatchers,
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  comment: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  active: Type.Boolean(),
});
export type SilenceView = Type.Static<typeof SilenceView>;

export const NotificationView = Type.Object({
  id: Type.String(),
  channel: Type.String({ description: 'email, alertmanager:<url> or webhook:<name>: each receiver has its own row' }),
  kind: Type.String(),
  check: Type.Union([Type.String(), Type.Null()]),
  namespace: Type.Union([Type.String(), Type.Null()]),
  agent: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  at: Type.String({ format: 'date-time' }),
  state: Type.String({ description: 'pending, sending, sent, failed, silenced, skipped or dropped' }),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  recipients: Type.Array(Type.String()),
});
export type NotificationView = Type.Static<typeof NotificationView>;

export const AlertView = Type.Object({
  check: Type.String(),
  namespace: Type.String(),
  agent: Type.String(),
  status: Status,
  since: Type.String({ format: 'date-time' }),
  value: Type.Union([Type.Number(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  flapping: Type.Boolean(),
  silenced: Type.Boolean(),
});
export type AlertView = Type.Static<typeof AlertView>;
