// The Check document: the same shape as the Kubernetes custom resource
// (DESIGN.md §4), so `vilicus apply -f` and `kubectl apply -f` take one file.
import Type from 'typebox';
import { LabelMap } from './text.ts';
import { Duration } from './duration-schema.ts';
import { ProbeProperties } from './probes/index.ts';
import { PendingView, StateStatus } from './result.ts';

export const CheckName = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
  description: 'Lower-case letters, digits, "-" and "." (a Kubernetes object name)',
});
export const Namespace = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
});

export const CheckSpec = Type.Object(
  {
    ...ProbeProperties,
    nodeSelector: Type.Optional(
      Type.Object({ matchLabels: Type.Optional(LabelMap(64)) }, { additionalProperties: false }),
    ),
    agents: Type.Optional(
      Type.Union([Type.Literal('all'), Type.Literal('any')], {
        description: 'all (default): every selected agent runs it; any: one selected agent runs it (endpoint checks)',
      }),
    ),
    interval: Type.Optional(Duration),
    severity: Type.Optional(Type.Union([Type.Literal('critical'), Type.Literal('warning')])),
    notify: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(Type.Array(Type.String({ format: 'email', maxLength: 254 }), { maxItems: 50 })),
          webhooks: Type.Optional(
            Type.Array(Type.String({ pattern: '^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$', maxLength: 63 }), {
              maxItems: 20,
              description: "Names of the server's webhook receivers (VILICUS_WEBHOOKS), never URLs",
            }),
          ),
          repeatInterval: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CheckSpec = Type.Static<typeof CheckSpec>;

export const CheckMetadata = Type.Object(
  {
    name: CheckName,
    namespace: Type.Optional(Namespace),
    labels: Type.Optional(LabelMap(64)),
  },
  { additionalProperties: false },
);

/** What a client sends to create or replace a check. */
export const CheckDocument = Type.Object(
  {
    apiVersion: Type.Optional(Type.Literal('vilicus.dev/v1alpha1')),
    kind: Type.Optional(Type.Literal('Check')),
    metadata: CheckMetadata,
    spec: CheckSpec,
  },
  { additionalProperties: false },
);
export type CheckDocument = Type.Static<typeof CheckDocument>;

export const AgentCheckStatus = Type.Object({
  agent: Type.String(),
  status: StateStatus,
  since: Type.String({ format: 'date-time' }),
  message: Type.Union([Type.String(), Type.Null()]),
  value: Type.Union([Type.Number(), Type.Null()]),
  lastResultAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  pending: PendingView,
});
export type AgentCheckStatus = Type.Static<typeof AgentCheckStatus>;

export const CheckStatusView = Type.Object({
  summary: Type.Object({
    ok: Type.Integer(),
    warning: Type.Integer(),
    critical: Type.Integer(),
    unknown: Type.Integer(),
    pending: Type.Integer({
      description: 'Agents whose problem waits for its for: window (a PENDING agent counts only here)',
    }),
  }),
  agents: Type.Array(AgentCheckStatus),
});

/** What the API answers for a check. */
export const CheckView = Type.Object({
  apiVersion: Type.Literal('vilicus.dev/v1alpha1'),
  kind: Type.Literal('Check'),
  metadata: Type.Object({
    name: Type.String(),
    namespace: Type.String(),
    uid: Type.String(),
    generation: Type.Integer(),
    source: Type.Union([Type.Literal('api'), Type.Literal('crd')]),
    labels: Type.Record(Type.String(), Type.String()),
    creationTimestamp: Type.String({ format: 'date-time' }),
  }),
  spec: CheckSpec,
  status: CheckStatusView,
});
export type CheckView = Type.Static<typeof CheckView>;
