// Bad input never gets a 5xx, a stack trace or a dead server: wrong or
// missing tokens, another agent's id, oversized, garbage and deeply nested
// bodies, and whatever schemathesis (from PyPI) generates from /openapi.json.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, startServerProcess, type ServerProc } from '../../helpers/processes.ts';
import { service } from '../../helpers/tools.ts';

const run = promisify(execFile);
/** The schemathesis command on PATH (.ci/run installs it from PyPI). */
const schemathesisPath = (process.env['PATH'] ?? '')
  .split(delimiter)
  .filter(Boolean)
  .map((dir) => join(dir, 'schemathesis'))
  .find((candidate) => existsSync(candidate));
const schemathesisCommand = service(
  'schemathesis',
  schemathesisPath !== undefined,
  'python3 -m venv v && v/bin/pip install schemathesis, on PATH; .ci/run does it',
);
const adminToken = `admin-${crypto.randomUUID()}`;
const dataDir = mkdtempSync(join(tmpdir(), 'vilicus-fault-input-'));
let server: ServerProc;
const admin = (method: string, path: string, body?: unknown) => api(server.url, adminToken)(method, path, body);

async function newAgent(name: string): Promise<{ id: string; token: string }> {
  const created = await admin('POST', '/api/v1/agents', { name });
  expect(created.status).toBe(201);
  return created.body;
}

async function send(method: string, path: string, body: string | undefined, token?: string) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** A JSON error with a code and a message, and nothing of the server's insides. */
function expectCleanError(reply: { status: number; text: string }, status: number, code: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(JSON.parse(reply.text)).toMatchObject({ error: code, message: expect.any(String) });
  expect(reply.text).not.toMatch(/\n\s+at |node:internal|\.ts:\d+|node_modules/);
}

beforeAll(async () => {
  server = await startServerProcess({ dataDir, adminToken });
});
afterAll(async () => {
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('bad input', () => {
  it('answers 401 without a token, with a wrong one, and with an agent token on admin calls', async () => {
    const agent = await newAgent('input-401');
    const result = JSON.stringify({ check: crypto.randomUUID(), status: 'OK', observedAt: new Date().toISOString() });
    for (const token of [undefined, 'nope', 'vat_0000000000000000000000000000000000000000000']) {
      expectCleanError(await send('GET', '/api/v1/checks', undefined, token), 401, 'VILICUS_ERR_UNAUTHENTICATED');
      expectCleanError(await send('GET', '/api/v1/agent/', undefined, token), 401, 'VILICUS_ERR_UNAUTHENTICATED');
      expectCleanError(await send('POST', '/api/v1/check_history/', result, token), 401, 'VILICUS_ERR_UNAUTHENTICATED');
    }
    expectCleanError(await send('GET', '/api/v1/agents', undefined, agent.token), 401, 'VILICUS_ERR_UNAUTHENTICATED');
  });

  it("answers 403 when an agent checks out with another agent's id", async () => {
    const [a, b] = [await newAgent('input-a'), await newAgent('input-b')];
    expectCleanError(await send('PUT', `/api/v1/agent/${b.id}/`, '{}', a.token), 403, 'VILICUS_ERR_FORBIDDEN');
    expect((await send('PUT', `/api/v1/agent/${a.id}/`, '{}', a.token)).status).toBe(200);
  });

  it('answers 413 for a body over the limit (1 MiB by default)', async () => {
    const agent = await newAgent('input-413');
    const big = JSON.stringify({ check: crypto.randomUUID(), status: 'OK', observedAt: 'x'.repeat(2 * 2 ** 20) });
    expectCleanError(await send('POST', '/api/v1/check_history/', big, agent.token), 413, 'VILICUS_ERR_BODY_TOO_LARGE');
  });

  it('answers 400 with a JSON error to garbage and deeply nested JSON, and stays up', async () => {
    const agent = await newAgent('input-400');
    const depth = 100_000;
    const bodies = [
      'not json',
      '{"check":',
      '\u0000\u00ff\u0001',
      '['.repeat(depth) + ']'.repeat(depth),
      '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
    ];
    const targets: [string, string, string][] = [
      ['POST', '/api/v1/check_history/', agent.token],
      ['PUT', '/api/v1/checks/nested', adminToken],
      ['POST', '/api/v1/agents', adminToken],
      ['POST', '/api/v1/silences', adminToken],
    ];
    for (const [method, path, token] of targets) {
      for (const body of bodies) {
        const reply = await send(method, path, body, token);
        expect(reply.status, `${method} ${path} ${body.slice(0, 10)}: ${reply.text}`).toBe(400);
        expectCleanError(reply, 400, 'VILICUS_ERR_INVALID_JSON');
      }
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });

  it('answers 400 naming the field to a time the server cannot read (a leap second)', async () => {
    const agent = await newAgent('input-leap');
    const check = await admin('PUT', '/api/v1/checks/leap', {
      metadata: { name: 'leap' },
      spec: { cpu: { above: 90 } },
    });
    const body = JSON.stringify({ check: check.body.metadata.uid, status: 'OK', observedAt: '2026-12-31T23:59:60Z' });
    const reply = await send('POST', '/api/v1/check_history/', body, agent.token);
    expectCleanError(reply, 400, 'VILICUS_ERR_VALIDATION');
    expect(JSON.parse(reply.text).field).toBe('body/observedAt');
  });

  it('answers 400 to a silence outside 1970-9999 or starting on a leap second, and still lists silences', async () => {
    const times = [
      { duration: '999999999h' },
      { startsAt: '2026-12-31T23:59:60Z', duration: '1h' },
      { startsAt: '0000-01-01T00:00:00Z', duration: '1h' },
      { startsAt: '0001-01-01T00:00:00Z', duration: '1h' },
    ];
    for (const time of times) {
      const body = JSON.stringify({ matchers: { check: 'x' }, comment: 'range', ...time });
      expectCleanError(await send('POST', '/api/v1/silences', body, adminToken), 400, 'VILICUS_ERR_VALIDATION');
    }
    expect((await admin('GET', '/api/v1/silences?all=true')).status).toBe(200);
  });

  it('refuses a NUL in a label with a 400, and stores a result whose message has one without it', async () => {
    const label = await send(
      'POST',
      '/api/v1/agents',
      JSON.stringify({ name: 'nul', labels: { a: 'x\u0000' } }),
      adminToken,
    );
    expectCleanError(label, 400, 'VILICUS_ERR_VALIDATION');
    const agent = await newAgent('input-nul');
    const check = await admin('PUT', '/api/v1/checks/nul', { metadata: { name: 'nul' }, spec: { cpu: { above: 90 } } });
    const result = { check: check.body.metadata.uid, status: 'OK', message: 'a\u0000b', observedAt: new Date() };
    const reply = await send('POST', '/api/v1/check_history/', JSON.stringify([result]), agent.token);
    expect(JSON.parse(reply.text)).toMatchObject({ accepted: 1 });
    expect((await admin('GET', '/api/v1/checks/nul/results')).body.items[0].message).toBe('ab');
  });

  // The agent's run first: the admin run deletes agents whose names it learns from responses.
  it.runIf(schemathesisCommand.run).each(['an agent', 'the admin'])(
    'schemathesis with %s token finds no 5xx and no response off its schema',
    async (who) => {
      const token = who === 'the admin' ? adminToken : (await newAgent('input-schemathesis')).token;
      const outcome = await schemathesis(server.url, token);
      expect(outcome.code, outcome.output).toBe(0);
    },
    60_000,
  );
});

async function schemathesis(url: string, token: string): Promise<{ code: number; output: string }> {
  schemathesisCommand.require();
  const command = schemathesisPath!;
  const args = [
    'run',
    `${url}/openapi.json`,
    '--header',
    `Authorization: Bearer ${token}`,
    '--checks',
    'not_a_server_error,response_schema_conformance',
    '--phases',
    'examples,coverage,fuzzing',
    '--max-examples',
    '20',
    '--max-time',
    '30',
    '--no-color',
  ];
  try {
    const { stdout } = await run(command, args, { timeout: 45_000, maxBuffer: 16 * 2 ** 20 });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? e.message}` };
  }
}
