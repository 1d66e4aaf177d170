// The seed's agent conversation, on PGlite and on a real PostgreSQL.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addAgent, dbKinds, putCheck, startTestApp, type TestApp } from '../../helpers/app.ts';

const postgresUrl = inject('postgresUrl');

describe.each(dbKinds(postgresUrl))('agent conversation on %s', (kind) => {
  {
    let t: TestApp;
    let web: Awaited<ReturnType<typeof addAgent>>;
    let db: Awaited<ReturnType<typeof addAgent>>;
    let nginxId: string;
    let cpuId: string;

    beforeAll(async () => {
      t = await startTestApp(kind, postgresUrl, 64 * 1024);
      web = await addAgent(t, 'web-1', { role: 'web' });
      db = await addAgent(t, 'db-1', { role: 'db' });
      nginxId = await putCheck(t, {
        metadata: { name: 'nginx-running' },
        spec: { process: { name: 'nginx' }, nodeSelector: { matchLabels: { role: 'web' } }, interval: '10s' },
      });
      cpuId = await putCheck(t, { metadata: { name: 'cpu-busy' }, spec: { cpu: { above: 90 } } });
    });
    afterAll(async () => t?.close());

    const result = (check: string, status: string, at: string, extra: object = {}) => ({
      check,
      status,
      observedAt: at,
      ...extra,
    });

    it.each(['/api/v1/agent/', '/api/v1/agent'])('GET %s answers the calling agent', async (url) => {
      const reply = await t.app.inject({ method: 'GET', url, headers: web.auth });
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toMatchObject({ id: web.id, name: 'web-1', labels: { role: 'web' }, missing: false });
    });

    it.each([
      ['no header', {}],
      ['a wrong token', { authorization: 'Bearer vat_nope' }],
      ['the admin token', 'admin'],
      ['a malformed header', { authorization: 'Token abc' }],
    ])('GET /api/v1/agent/ answers 401 with %s', async (_name, headers) => {
      const reply = await t.app.inject({
        method: 'GET',
        url: '/api/v1/agent/',
        headers: headers === 'admin' ? t.admin : headers,
      });
      expect(reply.statusCode).toBe(401);
      expect(reply.json()).toMatchObject({ error: 'VILICUS_ERR_UNAUTHENTICATED' });
    });

    it('answers 401, not 400, to a post without a token whatever its body', async () => {
      const reply = await t.app.inject({ method: 'POST', url: '/api/v1/check_history/', payload: { garbage: true } });
      expect(reply.statusCode).toBe(401);
      const admin = await t.app.inject({ method: 'PUT', url: '/api/v1/checks/x', payload: { nonsense: 1 } });
      expect(admin.statusCode).toBe(401);
    });

    it('lists only the checks whose nodeSelector matches the agent, by kind', async () => {
      const webProcess = await t.app.inject({ method: 'GET', url: '/api/v1/process_check/', headers: web.auth });
      const dbProcess = await t.app.inject({ method: 'GET', url: '/api/v1/process_check', headers: db.auth });
      const dbCpu = await t.app.inject({ method: 'GET', url: '/api/v1/cpu_check/', headers: db.auth });
      expect(webProcess.json()).toEqual([
        expect.objectContaining({ id: nginxId, name: 'nginx-running', kind: 'process', intervalSeconds: 10 }),
      ]);
      expect(dbProcess.json()).toEqual([]);
      expect(dbCpu.json()).toEqual([expect.objectContaining({ id: cpuId, name: 'cpu-busy', intervalSeconds: 30 })]);
    });

    it('stores one result, evaluates it and shows it on the check', async () => {
      const at = new Date().toISOString();
      const reply = await t.app.inject({
        method: 'POST',
        url: '/api/v1/check_history/',
        headers: web.auth,
        payload: result(nginxId, 'CRITICAL', at, { value: 0, message: '0 processes named "nginx"' }),
      });
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
      const check = await t.app.inject({ method: 'GET', url: '/api/v1/checks/nginx-running', headers: t.admin });
      expect(check.json().status).toMatchObject({
        summary: { ok: 0, warning: 0, critical: 1, unknown: 0 },
        agents: [{ agent: 'web-1', status: 'CRITICAL', since: at, value: 0, message: '0 processes named "nginx"' }],
      });
    });

    it('stores a retried post once, with a client id or without one', async () => {
      // Two results (two times: one check's result is its time, ADR 10), one with a client id.
      const batch = [
        result(cpuId, 'OK', new Date(Date.now() + 1000).toISOString(), { id: crypto.randomUUID(), value: 3 }),
        result(cpuId, 'OK', new Date(Date.now() + 1001).toISOString(), { value: 3 }),
      ];
      const post = () =>
        t.app.inject({ method: 'POST', url: '/api/v1/check_history', headers: db.auth, payload: batch });
      expect((await post()).json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
      expect((await post()).json()).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
    });

    it('holds a sustained CPU problem until every result in the window was over, across posts', async () => {
      const id = await putCheck(t, { metadata: { name: 'cpu-sustained' }, spec: { cpu: { above: 90, for: '2s' } } });
      const t0 = Date.now() + 10_000;
      const post = (offsetMs: number, status: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/check_history/',
          headers: db.auth,
          payload: result(id, status, new Date(t0 + offsetMs).toISOString(), { value: status === 'OK' ? 10 : 95 }),
        });
      const status = async () =>
        (await t.app.inject({ method: 'GET', url: '/api/v1/checks/cpu-sustained', headers: t.admin })).json().status
          .agents[0].status;
      await post(0, 'OK');
      await post(1000, 'CRITICAL');
      await post(2000, 'CRITICAL');
      expect(await status()).toBe('OK'); // over for 1 s of a 2 s window
      await post(3000, 'CRITICAL');
      expect(await status()).toBe('CRITICAL'); // over for the whole window
      await post(4000, 'OK');
      expect(await status()).toBe('OK'); // recovery counts at once
    });

    it('refuses results for a check not assigned to the agent, storing the rest', async () => {
      const at = new Date().toISOString();
      const reply = await t.app.inject({
        method: 'POST',
        url: '/api/v1/check_history/',
        headers: db.auth,
        payload: [result(nginxId, 'OK', at), result(cpuId, 'OK', new Date(Date.now() + 2000).toISOString())],
      });
      expect(reply.json()).toMatchObject({ accepted: 1, rejected: [{ index: 0, error: 'VILICUS_ERR_UNKNOWN_CHECK' }] });
    });

    it.each([
      ['a status outside the enum', { status: 'BROKEN' }, 'body/status'],
      ['an unknown field', { colour: 'red' }, 'body/colour'],
      ['a check that is not a UUID', { check: 'nginx' }, 'body/check'],
      ['a bad timestamp', { observedAt: 'yesterday' }, 'body/observedAt'],
    ])('answers 400 naming the field for %s, storing nothing', async (_name, change, field) => {
      const payload = { ...result(cpuId, 'OK', new Date().toISOString()), ...change };
      const reply = await t.app.inject({ method: 'POST', url: '/api/v1/check_history/', headers: db.auth, payload });
      expect(reply.statusCode).toBe(400);
      expect(reply.json()).toMatchObject({ error: 'VILICUS_ERR_VALIDATION', field });
    });

    it('answers 400 for a body that is not JSON, and 413 for one too large, without a stack trace', async () => {
      const garbage = await t.app.inject({
        method: 'POST',
        url: '/api/v1/check_history/',
        headers: { ...db.auth, 'content-type': 'application/json' },
        payload: '{"check": ',
      });
      expect(garbage.statusCode).toBe(400);
      expect(garbage.json()).toMatchObject({ error: 'VILICUS_ERR_INVALID_JSON' });
      const big = Array.from({ length: 2000 }, () =>
        result(cpuId, 'OK', new Date().toISOString(), { message: 'x'.repeat(60) }),
      );
      const tooLarge = await t.app.inject({
        method: 'POST',
        url: '/api/v1/check_history/',
        headers: db.auth,
        payload: big,
      });
      expect(tooLarge.statusCode).toBe(413);
      expect(tooLarge.json()).toMatchObject({ error: 'VILICUS_ERR_BODY_TOO_LARGE' });
      expect(tooLarge.body).not.toMatch(/at .*\.(ts|js):\d+/);
    });

    it('checks an agent out as itself and refuses another agent id with 403', async () => {
      const own = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/agent/${web.id}/`,
        headers: web.auth,
        payload: { version: '9.9' },
      });
      expect(own.statusCode).toBe(200);
      expect(own.json()).toMatchObject({ id: web.id, version: '9.9' });
      expect(own.json().lastSeenAt).toEqual(expect.any(String));
      const bare = await t.app.inject({ method: 'PUT', url: `/api/v1/agent/${web.id}`, headers: web.auth });
      expect(bare.statusCode).toBe(200);
      const other = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/agent/${db.id}/`,
        headers: web.auth,
        payload: {},
      });
      expect(other.statusCode).toBe(403);
      expect(other.json()).toMatchObject({ error: 'VILICUS_ERR_FORBIDDEN' });
    });

    it('answers the config with an ETag, 304 while unchanged and 200 after a change', async () => {
      const first = await t.app.inject({ method: 'GET', url: '/api/v1/agent/config', headers: web.auth });
      const etag = first.headers.etag as string;
      expect(first.statusCode).toBe(200);
      expect(
        first
          .json()
          .checks.map((c: { name: string }) => c.name)
          .sort(),
      ).toEqual(['cpu-busy', 'cpu-sustained', 'nginx-running']);
      const again = await t.app.inject({
        method: 'GET',
        url: '/api/v1/agent/config',
        headers: { ...web.auth, 'if-none-match': etag },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      await putCheck(t, { metadata: { name: 'cpu-busy' }, spec: { cpu: { above: 95 } } });
      const changed = await t.app.inject({
        method: 'GET',
        url: '/api/v1/agent/config',
        headers: { ...web.auth, 'if-none-match': etag },
      });
      expect(changed.statusCode).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
    });

    it('answers 404 as JSON for an unknown check and an unknown route', async () => {
      const check = await t.app.inject({ method: 'GET', url: '/api/v1/checks/nope', headers: t.admin });
      expect(check.statusCode).toBe(404);
      expect(check.json()).toMatchObject({ error: 'VILICUS_ERR_NOT_FOUND' });
      const route = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
      expect(route.statusCode).toBe(404);
      expect(route.json()).toMatchObject({ error: 'VILICUS_ERR_ROUTE_NOT_FOUND' });
    });

    it('is ready once migrated, and serves the OpenAPI document of its routes', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/agent/',
          '/api/v1/check_history/',
          '/api/v1/agent/{id}/',
          '/api/v1/checks/{name}',
        ]),
      );
    });
  }
});
