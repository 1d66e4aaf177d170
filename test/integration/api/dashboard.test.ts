// The dashboard's read endpoints and its static files, on PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addAgent, dbKinds, putCheck, startTestApp, type TestApp } from '../../helpers/app.ts';

const postgresUrl = inject('postgresUrl');
const MINUTE = 60_000;

describe.each(dbKinds(postgresUrl))('dashboard API on %s', (kind) => {
  {
    let t: TestApp;
    const now = Date.now();
    const ago = (ms: number) => new Date(now - ms).toISOString();

    beforeAll(async () => {
      t = await startTestApp(kind, postgresUrl);
      const web = await addAgent(t, 'web-1', { role: 'web' });
      await addAgent(t, 'idle-1');
      const nginx = await putCheck(t, { metadata: { name: 'nginx-running' }, spec: { process: { name: 'nginx' } } });
      const cpu = await putCheck(t, { metadata: { name: 'cpu-busy' }, spec: { cpu: { above: 90, warnAbove: 75 } } });
      await putCheck(t, { metadata: { name: 'never-run', namespace: 'ops' }, spec: { process: { name: 'x' } } });
      const results = [
        { check: nginx, status: 'OK', value: 1, observedAt: ago(30 * MINUTE) },
        { check: nginx, status: 'CRITICAL', value: 0, message: 'gone', observedAt: ago(10 * MINUTE) },
        // an hour of CPU, one result a minute: 10 % then 50 %
        ...Array.from({ length: 60 }, (_, i) => ({
          check: cpu,
          status: 'OK',
          value: i < 30 ? 10 : 50,
          observedAt: ago((60 - i) * MINUTE),
        })),
      ];
      const reply = await t.app.inject({
        method: 'POST',
        url: '/api/v1/check_history/',
        headers: web.auth,
        payload: results,
      });
      expect(reply.json()).toMatchObject({ accepted: 62 });
    });
    afterAll(async () => t?.close());

    const get = (url: string, headers: Record<string, string> = t.admin) =>
      t.app.inject({ method: 'GET', url, headers });

    it.each(['/api/v1/overview', '/api/v1/checks/nginx-running/timeline', '/api/v1/agents/web-1/cpu'])(
      'GET %s needs the admin token by default',
      async (url) => {
        const reply = await get(url, {});
        expect(reply.statusCode).toBe(401);
        expect(reply.json()).toMatchObject({ error: 'VILICUS_ERR_UNAUTHENTICATED' });
      },
    );

    it('opens the reads, not the silences, with VILICUS_DASHBOARD_PUBLIC', async () => {
      t.deps.dashboardPublic = true;
      try {
        expect((await get('/api/v1/overview', {})).statusCode).toBe(200);
        const silence = await t.app.inject({
          method: 'POST',
          url: '/api/v1/silences',
          payload: { matchers: { check: 'nginx-running' }, duration: '1h', comment: 'x' },
        });
        expect(silence.statusCode).toBe(401);
      } finally {
        t.deps.dashboardPublic = false;
      }
    });

    it('answers every agent, check and state in one overview', async () => {
      const body = (await get('/api/v1/overview')).json();
      expect(body.agents.map((a: { name: string }) => a.name)).toEqual(['idle-1', 'web-1']);
      expect(body.agents[1]).toMatchObject({ name: 'web-1', missing: false, labels: { role: 'web' } });
      expect(body.checks.map((c: { namespace: string; name: string }) => `${c.namespace}/${c.name}`)).toEqual([
        'default/cpu-busy',
        'default/nginx-running',
        'ops/never-run',
      ]);
      expect(body.checks[1]).toMatchObject({
        kind: 'process',
        severity: 'critical',
        states: [{ agent: 'web-1', status: 'CRITICAL', since: ago(10 * MINUTE), value: 0, message: 'gone' }],
      });
      expect(body.checks[2].states).toEqual([]);
    });

    it("draws a check's history from its transitions", async () => {
      const body = (await get('/api/v1/checks/nginx-running/timeline?hours=1')).json();
      expect(body.agents).toEqual([
        {
          agent: 'web-1',
          segments: [
            { status: 'OK', from: ago(30 * MINUTE), to: ago(10 * MINUTE) },
            { status: 'CRITICAL', from: ago(10 * MINUTE), to: expect.any(String) },
          ],
        },
      ]);
      expect((await get('/api/v1/checks/nope/timeline')).statusCode).toBe(404);
      expect((await get('/api/v1/checks/nginx-running/timeline?hours=x')).statusCode).toBe(400);
    });

    it("buckets an agent's CPU results to fit the data there is", async () => {
      const body = (await get('/api/v1/agents/web-1/cpu?hours=24')).json();
      expect(body.stepSeconds).toBe(15); // an hour of data → 15 s buckets, ≤ 300 points
      expect(body.t).toHaveLength(60);
      expect(body.checks).toEqual([
        expect.objectContaining({ name: 'cpu-busy', above: 90, warnAbove: 75, avg: expect.any(Array) }),
      ]);
      expect(body.checks[0].avg.slice(0, 2)).toEqual([10, 10]);
      expect(body.checks[0].avg.at(-1)).toBe(50);
      const idle = (await get('/api/v1/agents/idle-1/cpu')).json();
      expect(idle).toMatchObject({ t: [], checks: [] });
      expect((await get('/api/v1/agents/nobody/cpu')).statusCode).toBe(404);
    });
  }
});

describe('dashboard static files', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', null);
  });
  afterAll(async () => t?.close());

  it('serves the page with a strict content security policy, without a token', async () => {
    const reply = await t.app.inject({ method: 'GET', url: '/' });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    expect(reply.body).toContain('<script type="module" src="/ui/app.js">');
  });

  it.each(['app.js', 'style.css', 'uPlot.esm.js', 'uPlot.min.css'])(
    'serves /ui/%s with an ETag (304 when unchanged)',
    async (file) => {
      const first = await t.app.inject({ method: 'GET', url: `/ui/${file}` });
      expect(first.statusCode).toBe(200);
      const again = await t.app.inject({
        method: 'GET',
        url: `/ui/${file}`,
        headers: { 'if-none-match': String(first.headers.etag) },
      });
      expect(again.statusCode).toBe(304);
    },
  );

  it('answers 404 for files that are not part of the page', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/ui/..%2Fstatic-routes.ts' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/ui/nope.js' })).statusCode).toBe(404);
  });
});
