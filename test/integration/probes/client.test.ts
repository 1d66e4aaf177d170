// The agent's wire client (node:http, not fetch) against real loopback
// servers: what it sends, and how answers and failures become results,
// RetryableError or RefusedError.
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, RefusedError, RetryableError } from '../../../agent/client.ts';
import { closedPort, httpServer, httpsServer, selfSignedCertificate, type Endpoint } from './endpoints.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const open: Endpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

/** A server that records each request and answers with `answer(request)`: status, headers, body. */
async function server(
  answer: (seen: Seen) => { status: number; headers?: Record<string, string>; body?: string } | null,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const endpoint = await httpServer('127.0.0.1', (request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const one = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
      seen.push(one);
      const reply = answer(one);
      if (reply === null) return; // hang
      response.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
    });
  });
  open.push(endpoint);
  return { url: `http://127.0.0.1:${endpoint.port}`, seen };
}

const json = (value: unknown) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

describe('agent client', () => {
  it('sends the token, the agent name and JSON bodies, and parses the answers', async () => {
    const s = await server((r) => json(r.method === 'POST' ? { accepted: 1, duplicates: 0, rejected: [] } : {}));
    let calls = 0;
    const client = createClient(`${s.url}/`, () => `token-${++calls}`, { agentName: 'node-a' });
    const results = [
      {
        check: crypto.randomUUID(),
        status: 'OK' as const,
        value: 1,
        message: 'm',
        observedAt: new Date().toISOString(),
      },
    ];
    expect(await client.post(results)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    await client.checkOut('agent-1', { version: '1.2.3', hostname: 'h' });

    expect(s.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/v1/check_history/',
      'PUT /api/v1/agent/agent-1/',
    ]);
    expect(s.seen[0]!.headers).toMatchObject({
      authorization: 'Bearer token-1',
      'x-vilicus-agent-name': 'node-a',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(s.seen[0]!.body)),
    });
    expect(JSON.parse(s.seen[0]!.body)).toEqual(results);
    expect(s.seen[1]!.headers.authorization).toBe('Bearer token-2'); // the token is read on every call
    expect(JSON.parse(s.seen[1]!.body)).toEqual({ version: '1.2.3', hostname: 'h' });
  });

  it('polls the config with its ETag and reads a 304 as unchanged', async () => {
    const config = { agent: { id: 'a' }, checks: [] };
    const s = await server((r) =>
      r.headers['if-none-match'] === '"7"' ? { status: 304 } : { ...json(config), headers: { etag: '"7"' } },
    );
    const client = createClient(s.url, 'secret');
    expect(await client.config(null)).toEqual({ config, etag: '"7"' });
    expect(await client.config('"7"')).toBeNull();
    expect(s.seen.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"7"']);
  });

  it.each([
    { status: 500, kind: RetryableError },
    { status: 503, kind: RetryableError },
    { status: 429, kind: RetryableError },
    { status: 400, kind: RefusedError },
    { status: 401, kind: RefusedError },
    { status: 404, kind: RefusedError },
  ])('a $status answer is a $kind.name with the status and the body', async ({ status, kind }) => {
    const s = await server(() => ({ status, body: 'the reason' }));
    const error = await createClient(s.url, 't')
      .whoami()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toBe(`GET /api/v1/agent/: ${status} the reason`);
    if (error instanceof RefusedError) expect(error.status).toBe(status);
  });

  it('an answer cut off mid-body is retryable', async () => {
    const endpoint = await httpServer('127.0.0.1', (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"id":');
      setTimeout(() => request.socket.destroy(), 20);
    });
    open.push(endpoint);
    const error = await createClient(`http://127.0.0.1:${endpoint.port}`, 't')
      .whoami()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/^GET \/api\/v1\/agent\/: /);
  });

  it('a refused connection is retryable', async () => {
    const port = await closedPort();
    await expect(createClient(`http://127.0.0.1:${port}`, 't').whoami()).rejects.toThrow(
      new RetryableError(`GET /api/v1/agent/: connect ECONNREFUSED 127.0.0.1:${port}`),
    );
  });

  it('gives up on a server that does not answer within the timeout, and says so', async () => {
    const s = await server(() => null);
    const started = Date.now();
    const error = await createClient(s.url, 't', { timeoutMs: 300 })
      .whoami()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe('GET /api/v1/agent/: no answer within 300 ms');
    // the server never answers: only the client's own timeout ends the call, and not before it
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('speaks TLS to an https:// server (here one it does not trust)', async () => {
    const endpoint = await httpsServer(selfSignedCertificate(30));
    open.push(endpoint);
    await expect(createClient(`https://127.0.0.1:${endpoint.port}`, 't').whoami()).rejects.toThrow(
      /GET \/api\/v1\/agent\/: self-signed certificate/,
    );
  });
});
