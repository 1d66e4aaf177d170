// Probe specs: one schema per probe kind, shared by the server's validation,
// the REST API, the agent and (later) the CRD. Adding a kind means adding an
// entry here and a probe file in agent/probes/.
import Type from 'typebox';

/** `30s`, `5m`, `1h30m`, `500ms`: the durations Kubernetes users already write. */
export const Duration = Type.String({
  pattern: '^([0-9]+(ms|s|m|h))+$',
  maxLength: 32,
  description: 'A duration such as 30s, 5m or 1h30m',
});

const Percent = Type.Number({ minimum: 0, maximum: 100 });

export const ProcessProbe = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Exact process name (comm, or the base name of argv[0])',
      }),
    ),
    pattern: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'Regular expression matched against the full command line',
      }),
    ),
    minCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, default: 1 })),
    maxCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
  },
  { additionalProperties: false },
);
export type ProcessProbe = Type.Static<typeof ProcessProbe>;

export const CpuProbe = Type.Object(
  {
    above: Percent,
    warnAbove: Type.Optional(Percent),
    for: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type CpuProbe = Type.Static<typeof CpuProbe>;

/** Every probe kind, keyed by the property name it takes in a Check's spec. */
export const probeSchemas = { process: ProcessProbe, cpu: CpuProbe } as const;
export type ProbeKind = keyof typeof probeSchemas;
export const probeKinds = Object.keys(probeSchemas) as ProbeKind[];
export type ProbeSpec = { process: ProcessProbe; cpu: CpuProbe };
