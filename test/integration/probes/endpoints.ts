// Real endpoints on loopback for the network probe tests: every server here
// listens on 127.0.0.1 or ::1 only, on a port the kernel picks, and is closed
// by the test that opened it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Endpoint {
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server, host: string): Promise<Endpoint> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      const close = (): Promise<void> =>
        new Promise((done) => {
          for (const socket of sockets) socket.destroy(); // a hung request must not keep the server open
          server.close(() => done());
        });
      resolve({ port, close });
    });
  });
}

export function tcpListener(host = '127.0.0.1'): Promise<Endpoint> {
  return listen(
    net.createServer((socket) => socket.end()),
    host,
  );
}

/** A port that was just free: opened and closed again, so nothing listens there. */
export async function closedPort(): Promise<number> {
  const listener = await tcpListener();
  await listener.close();
  return listener.port;
}

export type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** Answers by path; `/hang` accepts the request and never answers. */
export const routes: Handler = (request, response) => {
  const path = request.url ?? '/';
  if (path === '/hang') return;
  if (path === '/missing') return void response.writeHead(404).end('not here');
  if (path === '/moved') return void response.writeHead(301, { location: '/' }).end();
  if (path === '/big') {
    // the text sits past the first MiB the probe reads
    return void response.writeHead(200).end(`${'x'.repeat(2 * 1024 * 1024)}needle`);
  }
  if (path === '/split') {
    response.writeHead(200);
    response.write('{"status":"u');
    setTimeout(() => response.end('p"}'), 20);
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"up"}');
};

export function httpServer(host = '127.0.0.1', handler: Handler = routes): Promise<Endpoint> {
  return listen(http.createServer(handler), host);
}

/** A self-signed certificate for 127.0.0.1, valid for `days`, made with the openssl command line. */
export function selfSignedCertificate(days: number): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vilicus-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        String(days),
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function httpsServer(certificate: { key: string; cert: string }, handler: Handler = routes): Promise<Endpoint> {
  return listen(https.createServer(certificate, handler), '127.0.0.1');
}
