// The `tcp` probe: does the port accept a connection within the timeout, and
// how long did that take (name lookup included: what a client would wait).
import net from 'node:net';
import type { TcpProbe } from '../../contract/index.ts';
import { parseDuration } from '../../contract/duration.ts';
import { describeNetworkError, monotonicMs, withDeadline } from './deadline.ts';
import type { CheckOfKind, Probe, ProbeOutcome } from './probe.ts';
import { formatMs, latencyFinding, roundTo, verdictOf, type Verdict } from './verdict.ts';

export type TcpCheck = CheckOfKind<'tcp'>;

/** Opens a connection and closes it at once; resolves to the milliseconds it took. */
export type Connector = (host: string, port: number, signal: AbortSignal) => Promise<number>;

export const connectTcp: Connector = (host, port, signal) =>
  new Promise((resolve, reject) => {
    const started = monotonicMs();
    // `signal` destroys the socket at the deadline, so an abandoned attempt holds no descriptor.
    const socket = net.connect({ host, port, signal });
    socket.once('connect', () => {
      const ms = monotonicMs() - started;
      socket.destroy();
      resolve(ms);
    });
    socket.once('error', reject);
  });

/** `[::1]:443` for IPv6 addresses, `host:port` otherwise. */
export function endpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function tcpVerdict(ms: number, spec: TcpProbe): Verdict {
  return verdictOf(`TCP ${endpoint(spec.host, spec.port)} connected in ${formatMs(ms)}`, [latencyFinding(ms, spec)]);
}

export function createTcpProbe(connect: Connector = connectTcp): Probe<TcpCheck> {
  return {
    kind: 'tcp',
    async run(check: TcpCheck): Promise<ProbeOutcome> {
      const spec = check.tcp;
      const timeoutMs = parseDuration(spec.timeout ?? '5s') ?? 5000;
      try {
        const ms = await withDeadline(timeoutMs, (signal) => connect(spec.host, spec.port, signal));
        return { ...tcpVerdict(ms, spec), value: roundTo(ms, 1) };
      } catch (error) {
        const message = `TCP ${endpoint(spec.host, spec.port)}: ${describeNetworkError(error)}`;
        return { status: 'CRITICAL', value: null, message };
      }
    },
  };
}
