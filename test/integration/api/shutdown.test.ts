// A stopping server (SIGTERM → app.close()) finishes the requests in flight and
// refuses one that still arrives on a connection it kept open with a 503 in the
// catalogue's envelope, so a client (an agent) retries it elsewhere. Raw HTTP
// on one loopback socket: the second request is pipelined behind the first,
// whose body is held back until close() has begun.
import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { waitFor } from '../../helpers/processes.ts';

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The replies on a socket until the server closes it (each with a Content-Length, as fastify sends them). */
async function repliesUntilClose(socket: Socket): Promise<RawReply[]> {
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (data += chunk));
  await once(socket, 'close');
  const replies: RawReply[] = [];
  while (data.length > 0) {
    const end = data.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? 0);
    replies.push({
      status: Number(statusLine!.split(' ')[1]),
      headers,
      body: data.slice(end + 4, end + 4 + length),
    });
    data = data.slice(end + 4 + length);
  }
  return replies;
}

describe('a server shutting down', () => {
  let t: TestApp | undefined;
  afterAll(() => t?.close());

  it('finishes the request in flight and answers the next one on its connection 503 VILICUS_ERR_SHUTTING_DOWN', async () => {
    t = await startTestApp('pglite', null);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const replies = repliesUntilClose(socket);
    const body = JSON.stringify({ metadata: { name: 'in-flight' }, spec: { cpu: { above: 90 } } });
    const auth = `authorization: ${t.admin.authorization}\r\n`;
    const routed = once(t.app.server, 'request');
    socket.write(
      `PUT /api/v1/checks/in-flight HTTP/1.1\r\nhost: vilicus\r\n${auth}content-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await routed; // the first request is in flight: its headers are read, its body is not
    const closed = t.app.close();
    // close() has run its preClose hooks once the listener is gone
    await waitFor(async () => !t!.app.server.listening, 60_000);
    socket.write(`${body.slice(10)}GET /api/v1/checks HTTP/1.1\r\nhost: vilicus\r\n${auth}\r\n`);
    const [first, second, ...more] = await replies;
    await closed;

    expect(first?.status, first?.body).toBe(201);
    expect(JSON.parse(first!.body)).toMatchObject({ metadata: { name: 'in-flight' } });
    expect(second?.status, second?.body).toBe(503);
    expect(second!.headers['connection']).toBe('close');
    expect(JSON.parse(second!.body)).toEqual({
      error: 'VILICUS_ERR_SHUTTING_DOWN',
      message: 'The server is shutting down; retry (another replica may answer)',
    });
    expect(more).toEqual([]);
  });
});
