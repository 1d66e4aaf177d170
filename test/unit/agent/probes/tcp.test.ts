import { describe, expect, it } from 'vitest';
import type { TcpProbe } from '../../../../contract/index.ts';
import { createCycle } from '../../../../agent/probes/probe.ts';
import { createTcpProbe, endpoint, tcpVerdict, type Connector } from '../../../../agent/probes/tcp.ts';
import { checkOf } from './fixtures.ts';

describe('tcpVerdict', () => {
  const spec = (extra: Partial<TcpProbe> = {}): TcpProbe => ({ host: 'db', port: 5432, ...extra });
  it.each<[string, number, TcpProbe, string, string]>([
    // connected, no limits
    ['connected', 3.21, spec(), 'OK', 'TCP db:5432 connected in 3.2 ms'],
    // slower than the warning limit
    [
      'slow',
      150,
      spec({ warnAboveMs: 100, critAboveMs: 500 }),
      'WARNING',
      'TCP db:5432 connected in 150 ms; slower than 100 ms (warning)',
    ],
    // slower than the critical limit
    [
      'very slow',
      700,
      spec({ warnAboveMs: 100, critAboveMs: 500 }),
      'CRITICAL',
      'TCP db:5432 connected in 700 ms; slower than 500 ms (critical)',
    ],
    // IPv6 addresses in brackets
    ['IPv6', 1, spec({ host: '::1' }), 'OK', 'TCP [::1]:5432 connected in 1.0 ms'],
  ])('%s', (_name, ms, s, status, message) => {
    expect(tcpVerdict(ms, s)).toEqual({ status, message });
  });

  it.each([
    ['db.internal', 5432, 'db.internal:5432'],
    ['10.0.0.1', 80, '10.0.0.1:80'],
    ['fe80::1%eth0', 22, '[fe80::1%eth0]:22'],
  ])('writes %s port %d as %s', (host, port, text) => {
    expect(endpoint(host, port)).toBe(text);
  });
});

describe('tcp probe', () => {
  const refused: Connector = () =>
    Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));

  it.each<[string, Connector, string, number | null, string]>([
    ['connects', () => Promise.resolve(12.34), 'OK', 12.3, 'TCP db:5432 connected in 12 ms'],
    ['is refused', refused, 'CRITICAL', null, 'TCP db:5432: connection refused (ECONNREFUSED)'],
    // an endpoint that never answers is given up at the check's timeout
    ['hangs', () => new Promise<number>(() => undefined), 'CRITICAL', null, 'TCP db:5432: no answer within 50ms'],
  ])('%s', async (_name, connect, status, value, message) => {
    const probe = createTcpProbe(connect);
    const check = checkOf('tcp', { host: 'db', port: 5432, timeout: '50ms' });
    expect(await probe.run(check, createCycle())).toEqual({ status, value, message });
  });

  it('aborts the connection attempt at the deadline', async () => {
    let aborted = false;
    const probe = createTcpProbe(
      (_host, _port, signal) => new Promise<number>(() => signal.addEventListener('abort', () => (aborted = true))),
    );
    await probe.run(checkOf('tcp', { host: 'db', port: 1, timeout: '20ms' }), createCycle());
    expect(aborted).toBe(true);
  });
});
