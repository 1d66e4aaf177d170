// The edges a careless or hostile client reaches before any route runs, on a
// real server process: text the database cannot store, long names, broken
// URLs, wrong content types, prototype poisoning, slow and unauthenticated
// bodies on raw sockets (node:net), and the files the server leaves behind.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, startServerProcess, type ServerProc } from '../../helpers/processes.ts';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-fault-edge-'));
let server: ServerProc;
let adminToken: string;
let agent: { id: string; token: string };
const admin = (method: string, path: string, body?: unknown) => api(server.url, adminToken)(method, path, body);

async function send(method: string, path: string, body: string | undefined, token?: string, type = 'application/json') {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as { error: string; message: string; field?: string },
  };
}

/** Exactly the catalogue's envelope: a VILICUS_ERR_ code, a message and at most the field. */
function expectEnvelope(reply: { status: number; body: object }, status: number, code: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body).toMatchObject({ error: code, message: expect.any(String) });
  expect(Object.keys(reply.body).filter((k) => !['error', 'message', 'field'].includes(k))).toEqual([]);
}

beforeAll(async () => {
  // A data dir someone made with the usual umask, holding an empty database folder.
  mkdirSync(join(dataDir, 'pgdata'));
  chmodSync(dataDir, 0o755);
  chmodSync(join(dataDir, 'pgdata'), 0o755);
  // No VILICUS_ADMIN_TOKEN: the server generates one; a 2 s request timeout for the slow-body tests.
  server = await startServerProcess({ dataDir, adminToken: '', env: { VILICUS_REQUEST_TIMEOUT: '2s' } });
  adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const created = await admin('POST', '/api/v1/agents', { name: 'edge-agent' });
  expect(created.status).toBe(201);
  agent = created.body;
});
afterAll(async () => {
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('files the server keeps', () => {
  it('makes an existing data dir and its database folder private (0700)', () => {
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(dataDir, 'pgdata')).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(dataDir, 'admin-token')).mode & 0o777).toString(8)).toBe('600');
  });

  it('logs the generated admin token only redacted', () => {
    expect(adminToken).toMatch(/^vadm_/);
    expect(server.output()).not.toContain(adminToken);
    expect(server.output()).toContain(`${adminToken.slice(0, 9)}…`);
  });
});

describe('text the database cannot store', () => {
  const lone = '\ud800';
  const spec = { cpu: { above: 90 } };
  const silence = (matchers: object, comment = 'x') => ({ matchers, comment, duration: '1h' });
  it.each([
    ['agent label value', 'POST', '/api/v1/agents', { name: 's1', labels: { role: lone } }, 'body/labels/role'],
    ['agent label key', 'POST', '/api/v1/agents', { name: 's2', labels: { [`k${lone}`]: 'v' } }, 'body/labels'],
    ['agent label NUL', 'POST', '/api/v1/agents', { name: 's3', labels: { a: 'x\u0000' } }, 'body/labels/a'],
    [
      'check label',
      'PUT',
      '/api/v1/checks/s4',
      { metadata: { name: 's4', labels: { a: lone } }, spec },
      'body/metadata/labels/a',
    ],
    [
      'nodeSelector',
      'PUT',
      '/api/v1/checks/s5',
      { metadata: { name: 's5' }, spec: { ...spec, nodeSelector: { matchLabels: { role: lone } } } },
      'body/spec/nodeSelector/matchLabels/role',
    ],
    [
      'process name',
      'PUT',
      '/api/v1/checks/s6',
      { metadata: { name: 's6' }, spec: { process: { name: lone } } },
      'body/spec/process/name',
    ],
    [
      'disk path',
      'PUT',
      '/api/v1/checks/s7',
      { metadata: { name: 's7' }, spec: { disk: { path: `/x${lone}`, above: 90 } } },
      'body/spec/disk/path',
    ],
    ['silence check matcher', 'POST', '/api/v1/silences', silence({ check: lone }), 'body/matchers/check'],
    ['silence label matcher', 'POST', '/api/v1/silences', silence({ labels: { a: lone } }), 'body/matchers/labels/a'],
    ['silence comment', 'POST', '/api/v1/silences', silence({ check: 'c' }, `why${lone}`), 'body/comment'],
  ])(
    'refuses an unpaired surrogate or NUL in the %s with a 400 naming the field',
    async (_what, method, path, body, field) => {
      const reply = await send(method, path, JSON.stringify(body), adminToken);
      expectEnvelope(reply, 400, 'VILICUS_ERR_VALIDATION');
      expect(reply.body.field).toBe(field);
      expect(reply.body.message).toContain('unpaired surrogate');
    },
  );

  it("refuses one in an agent's check-out facts", async () => {
    const reply = await send(
      'PUT',
      `/api/v1/agent/${agent.id}/`,
      JSON.stringify({ hostname: `h${lone}` }),
      agent.token,
    );
    expectEnvelope(reply, 400, 'VILICUS_ERR_VALIDATION');
    expect(reply.body.field).toBe('body/hostname');
  });

  it('stores a result message with NUL dropped and an unpaired surrogate as U+FFFD (documented)', async () => {
    const check = await admin('PUT', '/api/v1/checks/odd-bytes', { metadata: { name: 'odd-bytes' }, spec });
    const result = {
      check: check.body.metadata.uid,
      status: 'OK',
      message: `a\u0000b${lone}c`,
      observedAt: new Date(),
    };
    const reply = await fetch(`${server.url}/api/v1/check_history/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.token}` },
      body: JSON.stringify([result]),
    });
    expect(await reply.json()).toMatchObject({ accepted: 1 });
    expect((await admin('GET', '/api/v1/checks/odd-bytes/results')).body.items[0].message).toBe('ab\ufffdc');
  });
});

describe('names, URLs and bodies fastify sees first', () => {
  it('reads, applies and deletes names up to 253 characters, and answers 414 in the envelope past any name', async () => {
    const agentName = `a${'b'.repeat(251)}c`;
    expect((await admin('POST', '/api/v1/agents', { name: agentName })).status).toBe(201);
    expect((await admin('GET', `/api/v1/agents/${agentName}`)).body).toMatchObject({ name: agentName });
    expect((await admin('DELETE', `/api/v1/agents/${agentName}`)).status).toBe(204);
    const checkName = `c${'d'.repeat(150)}`;
    const doc = { metadata: { name: checkName }, spec: { cpu: { above: 90 } } };
    expect((await admin('PUT', `/api/v1/checks/${checkName}`, doc)).status).toBe(201);
    expect((await admin('PUT', `/api/v1/checks/${checkName}`, doc)).status).toBe(200);
    expect((await admin('GET', `/api/v1/checks/${checkName}`)).status).toBe(200);
    expect((await admin('DELETE', `/api/v1/checks/${checkName}`)).status).toBe(204);
    expectEnvelope(await admin('GET', `/api/v1/agents/${'x'.repeat(600)}`), 414, 'VILICUS_ERR_URI_TOO_LONG');
  });

  it.each([
    ['a bad %-escape', 'GET', '/api/v1/agents/%ZZ', 400, 'VILICUS_ERR_BAD_URL'],
    ['no such route', 'GET', '/api/v1/nothing-here', 404, 'VILICUS_ERR_ROUTE_NOT_FOUND'],
    ['no such method', 'PATCH', '/api/v1/agents', 404, 'VILICUS_ERR_ROUTE_NOT_FOUND'],
  ])('answers %s in the catalogue envelope', async (_what, method, path, status, code) => {
    expectEnvelope(await admin(method, path), status, code);
  });

  it('answers 415 to a text/plain body, as docs/errors.md says', async () => {
    const reply = await send('POST', '/api/v1/agents', '{"name":"plain"}', adminToken, 'text/plain');
    expectEnvelope(reply, 415, 'VILICUS_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('names the 5000-item limit to a 5001-item batch', async () => {
    const item = { check: crypto.randomUUID(), status: 'OK', observedAt: new Date().toISOString() };
    const reply = await send('POST', '/api/v1/check_history/', JSON.stringify(Array(5001).fill(item)), agent.token);
    expectEnvelope(reply, 400, 'VILICUS_ERR_VALIDATION');
    expect(reply.body.message).toBe('body: must NOT have more than 5000 items');
  });

  it.each([
    ['__proto__', '{"name":"proto","labels":{"__proto__":{"polluted":"yes"}}}'],
    ['constructor.prototype', '{"name":"ctor","labels":{"constructor":{"prototype":{"polluted":"yes"}}}}'],
  ])('refuses %s in a body as fastify does (prototype poisoning)', async (_what, body) => {
    const reply = await send('POST', '/api/v1/agents', body, adminToken);
    expectEnvelope(reply, 400, 'VILICUS_ERR_INVALID_JSON');
    expect(reply.body.message).toMatch(/forbidden (prototype|constructor) property/);
  });
});

/** A raw HTTP/1.1 conversation: what the server writes, and when it closes. */
function rawRequest(head: string): { socket: Socket; closed: Promise<string> } {
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => {}); // a reset after the answer is the server closing on us
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  socket.write(head);
  return { socket, closed };
}

const postHead = (token: string, length: number) =>
  `POST /api/v1/check_history/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('slow and unauthenticated bodies', () => {
  it('answers 408 in the envelope and closes sockets whose bodies trickle in', async () => {
    const started = Date.now();
    const sockets = Array.from({ length: 20 }, () => rawRequest(postHead(agent.token, 100_000)));
    const trickle = setInterval(() => sockets.forEach((s) => s.socket.writable && s.socket.write(' ')), 200);
    try {
      const answers = await Promise.all(sockets.map((s) => s.closed));
      for (const answer of answers) {
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
          error: 'VILICUS_ERR_REQUEST_TIMEOUT',
          message: 'The request did not arrive in time',
        });
      }
      // 2 s allowed, checked every 200 ms: far from the minutes a trickle held a socket before.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      clearInterval(trickle);
    }
  });

  it.each([
    ['an unknown agent token', postHead('vat_nope', 50 * 2 ** 20)],
    [
      'a wrong admin token',
      'PUT /api/v1/checks/big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n',
    ],
  ])('answers 401 to %s without waiting for its body, and closes', async (_what, head) => {
    const { closed } = rawRequest(head); // the body never comes
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('"error":"VILICUS_ERR_UNAUTHENTICATED"');
  });

  it('still serves after all of it', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});

describe('vilicus apply -f with several documents', () => {
  const cli = (args: string[]) =>
    run(process.execPath, ['cli/main.ts', ...args, '--server', server.url, '--admin-token', adminToken]).then(
      ({ stdout }) => ({ code: 0, out: stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: error.stderr }),
    );
  const doc = (name: string, spec: string) =>
    `apiVersion: vilicus.dev/v1alpha1\nkind: Check\nmetadata: { name: ${name} }\nspec: ${spec}\n`;

  it('applies none when one is not valid, and names each bad one with its field', async () => {
    const file = join(dataDir, 'checks.yaml');
    const good = [doc('apply-one', '{ cpu: { above: 90 } }'), doc('apply-two', '{ cpu: { above: 80 } }')];
    const bad = [
      doc('apply-bad-threshold', '{ cpu: { above: 900 } }'),
      doc('apply-bad-field', '{ cpu: { above: 90 }, bogus: 1 }'),
    ];
    writeFileSync(file, [good[0], bad[0], good[1], bad[1]].join('---\n'));
    const refused = await cli(['apply', '-f', file]);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('nothing applied: 2 of 4 documents not valid');
    expect(refused.out).toContain(`${file} document 2 (check/apply-bad-threshold): spec/cpu/above: must be <= 100`);
    expect(refused.out).toContain(`${file} document 4 (check/apply-bad-field): spec/bogus: unknown field "bogus"`);
    expect((await admin('GET', '/api/v1/checks/apply-one')).status).toBe(404);

    writeFileSync(file, good.join('---\n'));
    expect(await cli(['apply', '-f', file])).toEqual({
      code: 0,
      out: 'check/apply-one created\ncheck/apply-two created\n',
    });
  });
});
