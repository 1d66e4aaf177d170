// `tcp`: does a port accept connections, and how fast.
import Type from 'typebox';
import { agentCheckOf, defineProbe } from './definition.ts';
import { DEFAULT_TIMEOUT, LATENCY_CEL, LatencyFields, networkProblems, Timeout } from './thresholds.ts';

export const Host = Type.String({
  minLength: 1,
  maxLength: 253,
  // No scheme, port, path or brackets: a DNS name, an IPv4 or a bare IPv6 address (with a %zone).
  pattern: '^[A-Za-z0-9._:%-]+$',
  description: 'A host name or an IP address (IPv6 without brackets)',
});

export const TcpProbe = Type.Object(
  {
    host: Host,
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    timeout: Type.Optional(Timeout),
    ...LatencyFields,
  },
  { additionalProperties: false },
);
export type TcpProbe = Type.Static<typeof TcpProbe>;
export const TcpCheck = agentCheckOf('tcp', TcpProbe);

export const tcpProbe = defineProbe({
  kind: 'tcp',
  schema: TcpProbe,
  agentCheck: TcpCheck,
  summary:
    'a TCP connection within `timeout`; value = connect time in ms; WARNING/CRITICAL above warnAboveMs/critAboveMs',
  cel: LATENCY_CEL,
  problems: (spec, at) => networkProblems(spec, at),
  withDefaults: (spec) => ({ timeout: DEFAULT_TIMEOUT, ...spec }),
  sustainMs: () => 0,
});
