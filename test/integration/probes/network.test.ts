// The tcp and http probes against real endpoints on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpProbe, TcpProbe } from '../../../contract/index.ts';
import { createCycle, createProbes, runProbe } from '../../../agent/probes/index.ts';
import { checkOf } from '../../unit/agent/probes/fixtures.ts';
import { closedPort, httpServer, httpsServer, selfSignedCertificate, tcpListener, type Endpoint } from './endpoints.ts';

const probes = createProbes();
const tcp = (spec: TcpProbe) => runProbe(checkOf('tcp', spec), createCycle(), probes);
const http = (spec: HttpProbe) => runProbe(checkOf('http', spec), createCycle(), probes);

describe('tcp probe', () => {
  it.each(['127.0.0.1', '::1'])(
    'connects to a listener the test opened on %s, and fails once it is closed',
    async (host) => {
      const listener = await tcpListener(host);
      const open = await tcp({ host, port: listener.port, timeout: '2s' });
      expect(open.status).toBe('OK');
      expect(open.value).toBeGreaterThanOrEqual(0);
      expect(open.message).toMatch(/^TCP .+ connected in \d/);
      await listener.close();
      expect(await tcp({ host, port: listener.port, timeout: '2s' })).toEqual({
        status: 'CRITICAL',
        value: null,
        message: `TCP ${host.includes(':') ? `[${host}]` : host}:${listener.port}: connection refused (ECONNREFUSED)`,
      });
    },
  );

  it('reports a closed port as CRITICAL', async () => {
    const port = await closedPort();
    expect(await tcp({ host: '127.0.0.1', port })).toMatchObject({ status: 'CRITICAL', value: null });
  });

  it('reports a name that does not resolve as CRITICAL', async () => {
    const outcome = await tcp({ host: 'no-such-host.invalid', port: 80, timeout: '5s' });
    expect(outcome.status).toBe('CRITICAL');
    expect(outcome.message).toMatch(
      /^TCP no-such-host\.invalid:80: (host name not found \(ENOTFOUND\)|DNS lookup failed for now \(EAI_AGAIN\))$/,
    );
  });

  it('turns a latency limit of 0 ms into CRITICAL with the time in the message', async () => {
    const listener = await tcpListener();
    try {
      const outcome = await tcp({ host: '127.0.0.1', port: listener.port, critAboveMs: 0 });
      expect(outcome.status).toBe('CRITICAL');
      expect(outcome.message).toMatch(/connected in .+; slower than 0 ms \(critical\)$/);
    } finally {
      await listener.close();
    }
  });
});

describe('http probe on plain http', () => {
  let server: Endpoint;
  let base: string;
  beforeAll(async () => {
    server = await httpServer();
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => server?.close());

  it.each<[string, Partial<HttpProbe>, string, RegExp]>([
    // the plain case
    ['a 200', {}, 'OK', /^HTTP 200 in \d/],
    // a status outside 2xx/3xx
    ['a 404', { url: '/missing' }, 'CRITICAL', /^HTTP 404 in .+; want 2xx or 3xx$/],
    // redirects are not followed, and count as up
    ['a redirect', { url: '/moved' }, 'OK', /^HTTP 301 in/],
    // or down, when the check lists what it wants
    ['a redirect that is not wanted', { url: '/moved', expectStatus: [200] }, 'CRITICAL', /want 200$/],
    // body text found, also when it arrives in two pieces
    ['the body text', { bodyContains: '"status":"up"' }, 'OK', /^HTTP 200 in \S+ ms$/],
    ['the body text split across chunks', { url: '/split', bodyContains: '"status":"up"' }, 'OK', /^HTTP 200/],
    // body text missing
    ['a body without the text', { bodyContains: 'down' }, 'CRITICAL', /body does not contain "down"/],
    // only the first MiB is read
    [
      'text past the first MiB',
      { url: '/big', bodyContains: 'needle' },
      'CRITICAL',
      /body does not contain "needle" \(first 1 MiB\)$/,
    ],
    // HEAD has no body to read
    ['a HEAD request', { method: 'HEAD' }, 'OK', /^HTTP 200/],
  ])('%s', async (_name, extra, status, message) => {
    const outcome = await http({ ...extra, url: `${base}${extra.url ?? '/'}`, timeout: '5s' });
    expect(outcome.status).toBe(status);
    expect(outcome.message).toMatch(message);
  });

  it('reports the response time as its value', async () => {
    const started = performance.now();
    const outcome = await http({ url: `${base}/` });
    const around = performance.now() - started;
    // a part of the time the call took, however long that was
    expect(outcome.value).toBeGreaterThan(0);
    expect(outcome.value).toBeLessThanOrEqual(Math.ceil(around));
  });

  it('reports a closed port and a name that does not resolve as CRITICAL', async () => {
    const port = await closedPort();
    expect(await http({ url: `http://127.0.0.1:${port}/` })).toEqual({
      status: 'CRITICAL',
      value: null,
      message: `GET http://127.0.0.1:${port}/: connection refused (ECONNREFUSED)`,
    });
    const unresolved = await http({ url: 'http://no-such-host.invalid/' });
    expect(unresolved).toMatchObject({ status: 'CRITICAL', value: null });
    expect(unresolved.message).toMatch(
      /^GET http:\/\/no-such-host\.invalid\/: (host name not found|DNS lookup failed)/,
    );
  });
});

describe('http probe on https with a self-signed certificate', () => {
  let shortLived: Endpoint;
  let longLived: Endpoint;
  beforeAll(async () => {
    shortLived = await httpsServer(selfSignedCertificate(3));
    longLived = await httpsServer(selfSignedCertificate(365));
  });
  afterAll(async () => Promise.all([shortLived?.close(), longLived?.close()]));

  it('refuses a certificate it cannot verify', async () => {
    const outcome = await http({ url: `https://127.0.0.1:${longLived.port}/` });
    expect(outcome).toMatchObject({ status: 'CRITICAL', value: null });
    expect(outcome.message).toMatch(/self[- ]signed certificate/);
  });

  it('accepts it with insecureSkipVerify and tells the days left', async () => {
    const outcome = await http({ url: `https://127.0.0.1:${longLived.port}/`, insecureSkipVerify: true });
    expect(outcome.status).toBe('OK');
    expect(outcome.message).toMatch(/^HTTP 200 in .+; certificate valid for 36[45] more days$/);
  });

  it('is CRITICAL under certCritDays (a certificate with 3 days left)', async () => {
    const outcome = await http({
      url: `https://127.0.0.1:${shortLived.port}/`,
      insecureSkipVerify: true,
      certCritDays: 7,
    });
    expect(outcome.status).toBe('CRITICAL');
    expect(outcome.message).toMatch(/certificate expires in [23]\.\d days \(critical under 7\)$/);
    expect(outcome.value).toBeGreaterThan(0); // the response itself was fine
  });

  it('is WARNING under certWarnDays but over certCritDays', async () => {
    const outcome = await http({
      url: `https://127.0.0.1:${shortLived.port}/`,
      insecureSkipVerify: true,
      certWarnDays: 5,
      certCritDays: 1,
    });
    expect(outcome.status).toBe('WARNING');
    expect(outcome.message).toMatch(/certificate expires in [23]\.\d days \(warning under 5\)$/);
  });
});

describe('a slow endpoint', () => {
  let server: Endpoint;
  let listener: Endpoint;
  beforeAll(async () => {
    server = await httpServer();
    listener = await tcpListener();
  });
  afterAll(async () => Promise.all([server?.close(), listener?.close()]));

  it('is given up at its timeout without delaying the other probes of the same cycle', async () => {
    const cycle = createCycle();
    const started = performance.now();
    const finished: Record<string, number> = {};
    const run = async (name: string, check: Parameters<typeof runProbe>[0]) => {
      const outcome = await runProbe(check, cycle, probes);
      finished[name] = performance.now() - started;
      return outcome;
    };
    const [slow, ...fast] = await Promise.all([
      run('slow', checkOf('http', { url: `http://127.0.0.1:${server.port}/hang`, timeout: '1500ms' })),
      run('tcp', checkOf('tcp', { host: '127.0.0.1', port: listener.port })),
      run('http', checkOf('http', { url: `http://127.0.0.1:${server.port}/` })),
      run('memory', checkOf('memory', { above: 100 })),
      run('disk', checkOf('disk', { path: '/', above: 100 })),
    ]);
    expect(slow).toEqual({
      status: 'CRITICAL',
      value: null,
      message: `GET http://127.0.0.1:${server.port}/hang: no answer within 1500ms`,
    });
    expect(fast.map((o) => o.status)).toEqual(['OK', 'OK', 'OK', 'OK']);
    // Given up no sooner than its timeout, and every other probe of the cycle done before it.
    expect(finished.slow).toBeGreaterThanOrEqual(1450);
    for (const name of ['tcp', 'http', 'memory', 'disk']) expect(finished[name]).toBeLessThan(finished.slow!);
  });
});
